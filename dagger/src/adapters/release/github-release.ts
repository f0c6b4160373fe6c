/**
 * A GitHub release made idempotently over the REST API (docs.github.com/en/rest/releases): it is
 * created as a draft, its assets are reconciled (core/release/github-assets.ts: matching ones kept,
 * incomplete, changed and stray ones deleted, missing ones uploaded to the release's upload_url),
 * and it is published last. A run that stops halfway leaves a draft that the next run finishes.
 * An already published release stays published while its assets are fixed. The token comes from
 * the caller (GITHUB_TOKEN) and travels only in the Authorization header.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { FailureError, PipelineError, UsageError } from "../../core/errors.js";
import {
  type CurrentAsset,
  type RemoveReason,
  reconcileAssets,
  sha256OfDigest,
  type WantedAsset,
} from "../../core/release/github-assets.js";
import { escapeControl, redactLine } from "../../core/validate.js";
import { fetchSameOrigin } from "../token-fetch.js";

/** An asset file to attach. */
export interface ReleaseAssetFile extends WantedAsset {
  path: string;
  contentType: string;
}

/** What to publish. */
export interface GithubReleaseInput {
  /** API root (GITHUB_API_URL; https://api.github.com by default). */
  apiUrl: string;
  token: string;
  /** `owner/name`. */
  repository: string;
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
  assets: readonly ReleaseAssetFile[];
  /** Leave a new release as a draft instead of publishing it. */
  keepDraft?: boolean;
}

/** What the run did. */
export interface GithubReleaseResult {
  id: number;
  url: string;
  created: boolean;
  published: boolean;
  kept: string[];
  uploaded: string[];
  deleted: { name: string; reason: RemoveReason }[];
}

interface ApiRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  upload_url: string;
}

interface ApiAsset {
  id: number;
  name: string;
  state: string;
  size: number;
  digest?: string | null;
}

/** Thrown for an answer other than the ones a call expects. */
class ApiError extends FailureError {
  readonly status: number;
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** Creates or updates the release, reconciles its assets and publishes it. */
export async function publishGithubRelease(input: GithubReleaseInput): Promise<GithubReleaseResult> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(input.repository))
    throw new UsageError(
      `"${escapeControl(input.repository).slice(0, 100)}" is not owner/name (set GITHUB_REPOSITORY, e.g. acme/sample-app)`,
    );
  if (!input.token)
    throw new UsageError("GITHUB_TOKEN is not set (a token with contents: write on the repository)");
  const api = client(input);
  const repo = `/repos/${input.repository}`;
  let release = await findRelease(api, repo, input.tag);
  let created = false;
  if (!release) {
    release = await createDraft(api, repo, input);
    created = release !== null;
    // A 422 on create: a concurrent run made the release first; carry on with that one.
    release ??= await findRelease(api, repo, input.tag);
    if (!release)
      throw new FailureError(
        `GitHub API: creating the release on ${input.repository} (${input.tag}) was refused as a duplicate, but no release has that tag (re-run)`,
      );
  }
  if (
    !created &&
    (release.name !== input.name ||
      (release.body ?? "") !== input.body ||
      release.prerelease !== input.prerelease)
  ) {
    release = await api.json<ApiRelease>(
      "PATCH",
      `${repo}/releases/${release.id}`,
      "updating the release",
      [200],
      {
        name: input.name,
        body: input.body,
        prerelease: input.prerelease,
      },
    );
  }
  const current = await Promise.all(
    (await listAssets(api, repo, release.id)).map(
      async (a): Promise<CurrentAsset> => ({
        id: a.id,
        name: a.name,
        state: a.state,
        size: a.size,
        sha256:
          sha256OfDigest(a.digest) ?? (a.state === "uploaded" ? await downloadSha256(api, repo, a) : null),
      }),
    ),
  );
  const actions = reconcileAssets(current, input.assets);
  for (const { asset } of actions.remove) {
    await api.json(
      "DELETE",
      `${repo}/releases/assets/${asset.id}`,
      `deleting asset ${asset.name}`,
      [204, 404],
    );
  }
  const files = new Map(input.assets.map((a) => [a.name, a]));
  for (const wanted of actions.upload) await upload(api, repo, release, files.get(wanted.name)!);
  if (release.draft && !input.keepDraft) {
    release = await api.json<ApiRelease>(
      "PATCH",
      `${repo}/releases/${release.id}`,
      "publishing the release",
      [200],
      {
        draft: false,
      },
    );
  }
  return {
    id: release.id,
    url: release.html_url,
    created,
    published: !release.draft,
    kept: actions.keep.map((a) => a.name),
    uploaded: actions.upload.map((a) => a.name),
    deleted: actions.remove.map((r) => ({ name: r.asset.name, reason: r.reason })),
  };
}

/** Creates the release as a draft; null when GitHub says one exists already (422 `already_exists`). */
async function createDraft(api: Api, repo: string, input: GithubReleaseInput): Promise<ApiRelease | null> {
  try {
    return await api.json<ApiRelease>("POST", `${repo}/releases`, "creating the release", [201], {
      tag_name: input.tag,
      name: input.name,
      body: input.body,
      draft: true,
      prerelease: input.prerelease,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return null;
    throw error;
  }
}

/** The release for `tag`: the published one by tag, else a draft from the list (drafts have no by-tag lookup). */
async function findRelease(api: Api, repo: string, tag: string): Promise<ApiRelease | null> {
  const published = await api.json<ApiRelease | null>(
    "GET",
    `${repo}/releases/tags/${encodeURIComponent(tag)}`,
    "reading the release",
    [200, 404],
  );
  if (published) return published;
  for (let page = 1; page <= 10; page++) {
    const releases = await api.json<ApiRelease[]>(
      "GET",
      `${repo}/releases?per_page=100&page=${page}`,
      "listing releases",
      [200],
    );
    const draft = releases.find((r) => r.tag_name === tag);
    if (draft) return draft;
    if (releases.length < 100) break;
  }
  return null;
}

async function listAssets(api: Api, repo: string, id: number): Promise<ApiAsset[]> {
  const all: ApiAsset[] = [];
  for (let page = 1; page <= 10; page++) {
    const assets = await api.json<ApiAsset[]>(
      "GET",
      `${repo}/releases/${id}/assets?per_page=100&page=${page}`,
      "listing release assets",
      [200],
    );
    all.push(...assets);
    if (assets.length < 100) break;
  }
  return all;
}

/** Hashes an asset the API gave no digest for, by downloading it (the API answers 200 or a 302). */
async function downloadSha256(api: Api, repo: string, asset: ApiAsset): Promise<string | null> {
  const bytes = await api.download(`${repo}/releases/assets/${asset.id}`, `downloading asset ${asset.name}`);
  return bytes ? createHash("sha256").update(bytes).digest("hex") : null;
}

/** How long an upload waits for a concurrent run's upload of the same asset to finish. */
const CONCURRENT_UPLOAD_WAIT = { attempts: 20, delayMs: 500 };

/**
 * Uploads one asset; a 422 (the name is taken, by a concurrent run) is fine when the asset there
 * matches. GitHub lists an asset as "starter" from the moment its upload starts, so one still
 * uploading is waited for (a dead one stays starter: the error stands, and a re-run replaces it).
 */
async function upload(api: Api, repo: string, release: ApiRelease, file: ReleaseAssetFile): Promise<void> {
  const target = `${release.upload_url.replace(/\{[^}]*\}$/, "")}?name=${encodeURIComponent(file.name)}`;
  const data = readFileSync(file.path);
  try {
    await api.json("POST", target, `uploading ${file.name}`, [201], data, file.contentType);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    for (let attempt = 1; ; attempt++) {
      const there = (await listAssets(api, repo, release.id)).find((a) => a.name === file.name);
      if (there?.state === "uploaded" && sha256OfDigest(there.digest) === file.sha256) return;
      if (there?.state !== "starter" || attempt >= CONCURRENT_UPLOAD_WAIT.attempts) throw error;
      await new Promise((r) => setTimeout(r, CONCURRENT_UPLOAD_WAIT.delayMs));
    }
  }
}

interface Api {
  json<T = unknown>(
    method: string,
    path: string,
    what: string,
    expect: number[],
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  download(path: string, what: string): Promise<Buffer | null>;
}

/** A small fetch client: JSON calls, raw uploads, and errors that say what failed without the token. */
function client(input: GithubReleaseInput): Api {
  const base = input.apiUrl.replace(/\/+$/, "");
  const headers = {
    authorization: `Bearer ${input.token}`,
    accept: "application/vnd.github+json",
    "x-github-api-version": "2022-11-28",
    "user-agent": "pipeline",
  };
  const fail = async (response: Response, what: string): Promise<never> => {
    const text = await response.text().catch(() => "");
    let message = "";
    try {
      message = String((JSON.parse(text) as { message?: unknown }).message ?? "");
    } catch {
      message = text;
    }
    const hint =
      response.status === 401
        ? "check GITHUB_TOKEN"
        : response.status === 403 || response.status === 404
          ? `the token needs contents: write on ${input.repository}`
          : "re-run to finish the release: it is idempotent";
    const said = redactLine(escapeControl(message), [input.token], 160);
    throw new ApiError(
      `GitHub API: ${what} on ${input.repository} (${input.tag}) failed with HTTP ${response.status}${said ? `: ${said}` : ""} (${hint})`,
      response.status,
    );
  };
  const send = async (method: string, path: string, what: string, init: RequestInit): Promise<Response> => {
    const url = /^https?:\/\//.test(path) ? path : `${base}${path}`;
    // A manual redirect (an asset download) is the caller's to follow; every other request follows
    // redirects only on the host it was sent to, so the token never leaves it.
    const go = init.redirect === "manual" ? fetch : fetchSameOrigin;
    try {
      return await go(url, { method, ...init, signal: AbortSignal.timeout(10 * 60_000) });
    } catch (error) {
      if (error instanceof PipelineError)
        throw new FailureError(`GitHub API: ${what} on ${input.repository} (${input.tag}): ${error.message}`);
      const why = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new FailureError(
        `GitHub API: ${what} on ${input.repository} (${input.tag}) failed: ${why} (re-run to finish the release: it is idempotent)`,
        { cause: error },
      );
    }
  };
  return {
    async json<T>(
      method: string,
      path: string,
      what: string,
      expect: number[],
      body?: unknown,
      type?: string,
    ) {
      const raw = Buffer.isBuffer(body);
      const response = await send(method, path, what, {
        headers: {
          ...headers,
          ...(body === undefined
            ? {}
            : { "content-type": raw ? (type ?? "application/octet-stream") : "application/json" }),
        },
        body: body === undefined ? undefined : raw ? (body as Buffer) : JSON.stringify(body),
      });
      if (!expect.includes(response.status)) return fail(response, what);
      if (response.status === 404 || response.status === 204) {
        await response.body?.cancel();
        return null as T;
      }
      return (await response.json()) as T;
    },
    async download(path: string, what: string) {
      const response = await send("GET", path, what, {
        headers: { ...headers, accept: "application/octet-stream" },
        redirect: "manual",
      });
      if (response.status === 302 || response.status === 301 || response.status === 307) {
        await response.body?.cancel();
        // The storage URL is signed: sending the token there too would leak it to another host.
        const location = response.headers.get("location");
        if (!location) return null;
        const stored = await fetch(new URL(location, `${base}/`), {
          signal: AbortSignal.timeout(10 * 60_000),
        });
        return stored.ok ? Buffer.from(await stored.arrayBuffer()) : null;
      }
      if (response.status !== 200) return fail(response, what);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
