/**
 * Real git over HTTP for tests: a loopback HTTP server that runs git's own `git http-backend` CGI
 * for the bare repositories under `root`, behind basic auth with one token. It only speaks the
 * CGI protocol; git does all the work.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { freePort } from "./ports.js";

/** A running git HTTP server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` (no credentials). */
  url: string;
  /** Authorization headers seen, for asserting what clients sent. */
  authorizations: string[];
  close(): Promise<void>;
}

/** Options of {@link startGitHttp}. */
export interface GitHttpOptions {
  /**
   * Answers a request whose path (with query) it maps to a URL with `302` to that URL, before any
   * auth: a moved repository, or a remote that sends clients to another host.
   */
  redirect?: (path: string) => string | undefined;
}

/** Serves the bare repos under `root`; every request must authenticate with `token` as the password. */
export async function startGitHttp(
  root: string,
  token: string,
  options: GitHttpOptions = {},
): Promise<GitHttpServer> {
  const port = await freePort();
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    authorizations.push(auth);
    const moved = options.redirect?.(req.url ?? "/");
    if (moved) {
      res.writeHead(302, { location: moved }).end();
      return;
    }
    const password = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString().split(":").slice(1).join(":")
      : "";
    if (password !== token) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorized\n");
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const child = spawn("git", ["http-backend"], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? "GET",
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        REMOTE_USER: "tester",
        REMOTE_ADDR: "127.0.0.1",
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
      },
    });
    req.pipe(child.stdin);
    let buffer = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of buffer.subarray(0, end).toString().split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(buffer.subarray(end + 4));
    });
    child.on("close", () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
