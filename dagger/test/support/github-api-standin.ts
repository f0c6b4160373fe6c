/**
 * A local stand-in for GitHub's releases API, on two loopback ports like api.github.com and
 * uploads.github.com, answering as docs.github.com/en/rest/releases/releases and
 * docs.github.com/en/rest/releases/assets describe:
 * - 401 "Bad credentials" without the right token;
 * - "Get a release by tag name" returns only published releases (404 for a draft); "List
 *   releases" includes drafts for a token with push access;
 * - "Create a release" is 201, and 422 `already_exists` on `tag_name` when the tag has a release;
 *   a draft has no `published_at` until "Update a release" sets `draft: false`;
 * - "Upload a release asset" goes to the release's `upload_url` on the uploads host, is 201 with
 *   `state: "uploaded"` and a `sha256:` digest, and 422 `already_exists` on `name` when the name
 *   is taken; "Get a release asset" with `Accept: application/octet-stream` answers 302 to the
 *   file on another host; "Delete a release asset" is 204.
 * The fault switch fails the Nth upload halfway as GitHub's upstream failures do: 502 Bad Gateway,
 * leaving an empty asset in state `starter` ("It can be safely deleted", per the docs).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { freePort } from "./ports.js";

/** A stored asset. */
export interface StandinAsset {
  id: number;
  name: string;
  label: string | null;
  state: "uploaded" | "starter";
  content_type: string;
  size: number;
  data: Buffer;
}

/** A stored release. */
export interface StandinRelease {
  id: number;
  tag_name: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  assets: StandinAsset[];
}

/** One recorded request. */
export interface StandinRequest {
  host: "api" | "uploads";
  method: string;
  path: string;
  authorization: string;
}

/** Options of {@link startGithubApiStandin}. */
export interface StandinOptions {
  owner: string;
  repo: string;
  token: string;
  /** Include `digest` on assets (github.com does; older GitHub Enterprise does not). Default true. */
  digests?: boolean;
}

/** The running stand-in. */
export interface GithubApiStandin {
  /** For GITHUB_API_URL. */
  apiUrl: string;
  requests: StandinRequest[];
  releases: StandinRelease[];
  /** Fails the `n`th upload from now (1: the next one) halfway; 0 turns the fault off. */
  failUpload(n: number): void;
  /** Keeps each upload's asset a "starter" this long after its bytes arrived (a slow link); 0: none. */
  slowUploads(ms: number): void;
  /** Adds a complete asset, as an earlier run or a person would have uploaded it. */
  seedAsset(release: StandinRelease, name: string, data: Buffer): void;
  close(): Promise<void>;
}

/** Starts the stand-in. */
export async function startGithubApiStandin(options: StandinOptions): Promise<GithubApiStandin> {
  const [apiPort, uploadsPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const uploadsUrl = `http://127.0.0.1:${uploadsPort}`;
  const withDigests = options.digests ?? true;
  const requests: StandinRequest[] = [];
  const releases: StandinRelease[] = [];
  let nextId = 1;
  let uploadsUntilFault = 0;
  let uploadDelayMs = 0;
  const repoPath = `/repos/${options.owner}/${options.repo}`;

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) return void res.writeHead(status).end();
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) =>
    send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  const invalid = (res: ServerResponse, resource: string, field: string) =>
    send(res, 422, {
      message: "Validation Failed",
      errors: [{ resource, code: "already_exists", field }],
      documentation_url: "https://docs.github.com/rest",
    });
  const assetJson = (a: StandinAsset) => ({
    url: `${apiUrl}${repoPath}/releases/assets/${a.id}`,
    browser_download_url: `${uploadsUrl}/download/${a.id}`,
    id: a.id,
    name: a.name,
    label: a.label,
    state: a.state,
    content_type: a.content_type,
    size: a.size,
    ...(withDigests
      ? {
          digest:
            a.state === "uploaded" ? `sha256:${createHash("sha256").update(a.data).digest("hex")}` : null,
        }
      : {}),
    download_count: 0,
  });
  const releaseJson = (r: StandinRelease) => ({
    url: `${apiUrl}${repoPath}/releases/${r.id}`,
    html_url: r.draft
      ? `https://github.com/${options.owner}/${options.repo}/releases/tag/untagged-${r.id}`
      : `https://github.com/${options.owner}/${options.repo}/releases/tag/${r.tag_name}`,
    assets_url: `${apiUrl}${repoPath}/releases/${r.id}/assets`,
    upload_url: `${uploadsUrl}${repoPath}/releases/${r.id}/assets{?name,label}`,
    id: r.id,
    tag_name: r.tag_name,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    created_at: r.created_at,
    published_at: r.published_at,
    assets: r.assets.map(assetJson),
  });
  const page = <T>(items: T[], url: URL): T[] => {
    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30) || 30, 100);
    const n = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    return items.slice((n - 1) * perPage, n * perPage);
  };
  const authorized = (req: IncomingMessage) =>
    req.headers.authorization === `Bearer ${options.token}` ||
    req.headers.authorization === `token ${options.token}`;
  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  const findAsset = (id: number) => {
    for (const r of releases) {
      const a = r.assets.find((x) => x.id === id);
      if (a) return { release: r, asset: a };
    }
    return null;
  };

  const api = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", apiUrl);
    const method = req.method ?? "GET";
    requests.push({
      host: "api",
      method,
      path: url.pathname + url.search,
      authorization: req.headers.authorization ?? "",
    });
    if (!authorized(req))
      return send(res, 401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
      });
    if (!url.pathname.startsWith(`${repoPath}/`)) return notFound(res);
    const rest = url.pathname.slice(repoPath.length);
    const body = await readBody(req);
    const json = () => (body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {});
    const byTag = /^\/releases\/tags\/(.+)$/.exec(rest);
    const asset = /^\/releases\/assets\/(\d+)$/.exec(rest);
    const assets = /^\/releases\/(\d+)\/assets$/.exec(rest);
    const one = /^\/releases\/(\d+)$/.exec(rest);
    if (rest === "/releases" && method === "GET")
      return send(res, 200, page([...releases].reverse(), url).map(releaseJson));
    if (rest === "/releases" && method === "POST") {
      const input = json();
      if (typeof input.tag_name !== "string" || !input.tag_name)
        return send(res, 422, {
          message: "Validation Failed",
          errors: [{ resource: "Release", code: "missing_field", field: "tag_name" }],
        });
      if (releases.some((r) => r.tag_name === input.tag_name)) return invalid(res, "Release", "tag_name");
      const draft = input.draft === true;
      const now = new Date().toISOString();
      const release: StandinRelease = {
        id: nextId++,
        tag_name: input.tag_name,
        name: typeof input.name === "string" ? input.name : null,
        body: typeof input.body === "string" ? input.body : null,
        draft,
        prerelease: input.prerelease === true,
        created_at: now,
        published_at: draft ? null : now,
        assets: [],
      };
      releases.push(release);
      return send(res, 201, releaseJson(release));
    }
    if (byTag && method === "GET") {
      const tag = decodeURIComponent(byTag[1]!);
      const release = releases.find((r) => r.tag_name === tag && !r.draft);
      return release ? send(res, 200, releaseJson(release)) : notFound(res);
    }
    if (asset) {
      const found = findAsset(Number(asset[1]));
      if (!found) return notFound(res);
      if (method === "DELETE") {
        found.release.assets = found.release.assets.filter((a) => a !== found.asset);
        return send(res, 204);
      }
      if (method === "GET" && req.headers.accept === "application/octet-stream") {
        res.writeHead(302, { location: `${uploadsUrl}/download/${found.asset.id}` }).end();
        return;
      }
      if (method === "GET") return send(res, 200, assetJson(found.asset));
    }
    if (assets && method === "GET") {
      const release = releases.find((r) => r.id === Number(assets[1]));
      return release ? send(res, 200, page(release.assets, url).map(assetJson)) : notFound(res);
    }
    if (one) {
      const release = releases.find((r) => r.id === Number(one[1]));
      if (!release) return notFound(res);
      if (method === "GET") return send(res, 200, releaseJson(release));
      if (method === "DELETE") {
        releases.splice(releases.indexOf(release), 1);
        return send(res, 204);
      }
      if (method === "PATCH") {
        const input = json();
        if (typeof input.name === "string") release.name = input.name;
        if (typeof input.body === "string") release.body = input.body;
        if (typeof input.prerelease === "boolean") release.prerelease = input.prerelease;
        if (input.draft === false && release.draft) {
          release.draft = false;
          release.published_at = new Date().toISOString();
        } else if (input.draft === true) release.draft = true;
        return send(res, 200, releaseJson(release));
      }
    }
    return notFound(res);
  };

  const uploads = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", uploadsUrl);
    const method = req.method ?? "GET";
    requests.push({
      host: "uploads",
      method,
      path: url.pathname + url.search,
      authorization: req.headers.authorization ?? "",
    });
    const download = /^\/download\/(\d+)$/.exec(url.pathname);
    if (download && method === "GET") {
      const found = findAsset(Number(download[1]));
      if (found?.asset.state !== "uploaded") return notFound(res);
      res.writeHead(200, { "content-type": found!.asset.content_type }).end(found!.asset.data);
      return;
    }
    const m = new RegExp(`^${repoPath}/releases/(\\d+)/assets$`).exec(url.pathname);
    if (!m || method !== "POST") return notFound(res);
    if (!authorized(req)) return send(res, 401, { message: "Bad credentials" });
    const release = releases.find((r) => r.id === Number(m[1]));
    const name = url.searchParams.get("name");
    if (!release) return notFound(res);
    if (!name)
      return send(res, 422, {
        message: "Validation Failed",
        errors: [{ resource: "ReleaseAsset", code: "missing_field", field: "name" }],
      });
    if (release.assets.some((a) => a.name === name)) {
      req.resume();
      return invalid(res, "ReleaseAsset", "name");
    }
    const asset: StandinAsset = {
      id: nextId++,
      name,
      label: url.searchParams.get("label"),
      state: "starter",
      content_type: req.headers["content-type"] ?? "application/octet-stream",
      size: 0,
      data: Buffer.alloc(0),
    };
    const length = Number(req.headers["content-length"] ?? 0);
    if (uploadsUntilFault > 0 && --uploadsUntilFault === 0) {
      // Halfway through the bytes, the upstream fails: the asset stays as an empty starter.
      release.assets.push(asset);
      let received = 0;
      req.on("data", (c: Buffer) => {
        received += c.length;
        if (received >= length / 2 && !res.headersSent) {
          res.writeHead(502, { "content-type": "application/json", connection: "close" });
          res.end(JSON.stringify({ message: "Bad Gateway" }));
          req.destroy();
        }
      });
      return;
    }
    // GitHub creates the asset (state "starter") when the upload starts, so a second upload of the
    // same name while the first is still sending gets 422 already_exists, as after it.
    release.assets.push(asset);
    const data = await readBody(req);
    if (uploadDelayMs > 0) await new Promise((r) => setTimeout(r, uploadDelayMs));
    Object.assign(asset, { data, size: data.length, state: "uploaded" });
    return send(res, 201, assetJson(asset));
  };

  const serve = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) =>
    createServer((req, res) => {
      handler(req, res).catch((error) => {
        if (!res.headersSent) send(res, 500, { message: String(error) });
      });
    });
  const servers: Server[] = [serve(api), serve(uploads)];
  await new Promise<void>((resolve) => servers[0]!.listen(apiPort, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => servers[1]!.listen(uploadsPort, "127.0.0.1", resolve));
  return {
    apiUrl,
    requests,
    releases,
    failUpload: (n) => {
      uploadsUntilFault = n;
    },
    slowUploads: (ms) => {
      uploadDelayMs = ms;
    },
    seedAsset: (release, name, data) => {
      release.assets.push({
        id: nextId++,
        name,
        label: null,
        state: "uploaded",
        content_type: "application/octet-stream",
        size: data.length,
        data,
      });
    },
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
