/**
 * `pipeline serve`: webhooks in, a durable run queue with workers, a deploy and rollback API and
 * a status page. Secrets only from the environment (PIPELINE_GITHUB_SECRET, PIPELINE_GITLAB_TOKEN,
 * PIPELINE_API_TOKENS) or a tokens file: never from flags.
 */
import { readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { isImageReference, requireNoUserInfo, safeEcho } from "../../core/validate.js";
import { loadRepo } from "../context.js";

/** Flags of `serve`. */
interface ServeFlags {
  listen: string;
  database?: string;
  workers: string;
  runner: string;
  repoUrl?: string;
  tokensFile?: string;
  timeout: string;
  requestTimeout: string;
  maxConnections: string;
  gitopsRefresh: string;
  container?: string;
}

/** `host:port` or `[v6]:port`. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535)
    throw new UsageError(`--listen ${safeEcho(text)} is not host:port (example: 127.0.0.1:8080)`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/** Builds the `serve` command. */
export function serveCommand(): Command {
  return new Command("serve")
    .description(
      "Receive GitHub and GitLab webhooks, queue and run pipelines, and serve a deploy API and status page",
    )
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:8080")
    .option(
      "--database <url-or-file>",
      "postgres://… to share one queue between processes (default: SQLite at .pipeline/state.db)",
    )
    .option("--workers <n>", "runs at once in this process (0: accept and queue only)", "2")
    .option("--runner <runner>", "how stages run: host or dagger", "host")
    .option(
      "--container <image>",
      "host runner: run the repository's code (lint, test, build) in this image, with only the run's folder mounted",
    )
    .option(
      "--repo-url <url>",
      "repository workers fetch commits from (token, if any, from PIPELINE_REPO_TOKEN)",
    )
    .option("--tokens-file <file>", "API tokens as role:token lines (instead of PIPELINE_API_TOKENS)")
    .option("--timeout <seconds>", "a run is stopped after this long", "3600")
    .option(
      "--request-timeout <seconds>",
      "a client must send a request (headers within 10 s) in this long, or is cut off with 408",
      "30",
    )
    .option("--max-connections <n>", "open connections at most; more are closed on arrival", "256")
    .option(
      "--gitops-refresh <seconds>",
      "GET /api/environments fetches the gitops repo at most once in this long",
      "5",
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const { parseTokens } = await import("../../core/serve/roles.js");
      const { startServe } = await import("../../serve/start.js");
      const { host, port } = parseListen(flags.listen);
      if (!/^\d{1,3}$/.test(flags.workers))
        throw new UsageError(`--workers ${safeEcho(flags.workers)} is not a number from 0 to 999`);
      if (flags.runner !== "host" && flags.runner !== "dagger")
        throw new UsageError(`--runner ${safeEcho(flags.runner)} must be host or dagger`);
      if (!/^\d{1,6}$/.test(flags.timeout) || Number(flags.timeout) < 1)
        throw new UsageError(`--timeout ${safeEcho(flags.timeout)} is not a number of seconds`);
      if (flags.repoUrl) requireNoUserInfo(flags.repoUrl, "--repo-url");
      const seconds = (flag: string, text: string, max: number) => {
        if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
          throw new UsageError(`${flag} ${safeEcho(text)} is not a number of seconds from 1 to ${max}`);
        return Number(text) * 1000;
      };
      const requestTimeoutMs = seconds("--request-timeout", flags.requestTimeout, 3600);
      const gitopsRefreshMs = seconds("--gitops-refresh", flags.gitopsRefresh, 3600);
      if (!/^\d{1,6}$/.test(flags.maxConnections) || Number(flags.maxConnections) < 1)
        throw new UsageError(
          `--max-connections ${safeEcho(flags.maxConnections)} is not a number from 1 to 999999`,
        );
      if (flags.container !== undefined && !isImageReference(flags.container))
        throw new UsageError(
          `--container ${safeEcho(flags.container)} is not an image reference (example: golang:1.26)`,
        );
      if (flags.container !== undefined && flags.runner !== "host")
        throw new UsageError(
          "--container is for --runner host: the dagger runner runs every stage in containers already",
        );
      if (flags.database?.includes("://") && !/^postgres(ql)?:\/\//.test(flags.database))
        throw new UsageError("--database must be postgres://… or a SQLite file path");
      const env = process.env;
      let tokenText = env.PIPELINE_API_TOKENS ?? "";
      let where = "PIPELINE_API_TOKENS";
      if (flags.tokensFile) {
        try {
          tokenText = readFileSync(flags.tokensFile, "utf8");
        } catch (error) {
          throw new UsageError(`--tokens-file ${safeEcho(flags.tokensFile)} could not be read`, {
            cause: error,
          });
        }
        where = flags.tokensFile;
      }
      const tokens = parseTokens(tokenText, where);
      const { root, config } = await loadRepo(command);
      if (!flags.database?.includes("://")) {
        // An operator's mistake (a folder, a path that cannot be written) said as one, before SQLite opens it.
        const { prepareWritableFile } = await import("../../adapters/writable-file.js");
        prepareWritableFile(
          resolve(flags.database ?? join(root, ".pipeline", "state.db")),
          flags.database ? `--database ${flags.database}` : "serve's database .pipeline/state.db",
        );
      }
      const log = (line: string) => process.stdout.write(`${line}\n`);
      if (tokens.length === 0)
        log("serve: no API tokens (PIPELINE_API_TOKENS or --tokens-file): every /api request gets 401");
      const gitopsToken = env.GITOPS_TOKEN ?? env.GITHUB_TOKEN;
      const serve = await startServe({
        root,
        config,
        host,
        port,
        database: flags.database,
        workers: Number(flags.workers),
        runner: flags.runner,
        container: flags.container,
        repoUrl: flags.repoUrl,
        timeoutMs: Number(flags.timeout) * 1000,
        limits: { requestTimeoutMs, maxConnections: Number(flags.maxConnections) },
        gitopsRefreshMs,
        tokens,
        secrets: {
          github: env.PIPELINE_GITHUB_SECRET || undefined,
          gitlab: env.PIPELINE_GITLAB_TOKEN || undefined,
        },
        repoAuth: env.PIPELINE_REPO_TOKEN ? { token: env.PIPELINE_REPO_TOKEN } : undefined,
        gitopsAuth: gitopsToken ? { token: gitopsToken } : undefined,
        cliEntry: realpathSync(process.argv[1]!),
        // A copy: serve sets its marker and temp dir in process.env, which no stage should see.
        env: { ...env },
        log,
      });
      await new Promise<void>((resolve) => {
        const stop = () => {
          log("serve: stopping");
          serve.stop().then(resolve, resolve);
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
    });
}
