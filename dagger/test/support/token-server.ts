/**
 * Bearer-token auth in front of a real registry, for the challenge flow: a token endpoint (basic
 * auth in, a token out, like a registry's auth service) and a proxy that answers 401 with
 * `WWW-Authenticate: Bearer realm,service,scope` unless the request carries a token it issued,
 * then forwards to the real registry. The registry behind it does all the registry work.
 */
import { randomBytes } from "node:crypto";
import { createServer, request } from "node:http";
import { freePort } from "./ports.js";

/** A running token-auth front. */
export interface TokenFront {
  /** `127.0.0.1:<port>` of the proxy: the registry host clients use. */
  host: string;
  /** Token requests seen, as "scope". */
  tokenRequests: string[];
  close(): Promise<void>;
}

/** Starts the token endpoint and the proxy in front of `registryHost`; `username:password` gets tokens. */
export async function startTokenFront(
  registryHost: string,
  username: string,
  password: string,
): Promise<TokenFront> {
  const port = await freePort();
  const issued = new Set<string>();
  const tokenRequests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    if (url.pathname === "/token") {
      const auth = req.headers.authorization ?? "";
      const [user, pass] = Buffer.from(auth.replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      tokenRequests.push(url.searchParams.get("scope") ?? "");
      if (user !== username || pass !== password || url.searchParams.get("service") !== "test-registry") {
        res.writeHead(401).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }));
        return;
      }
      const token = randomBytes(16).toString("hex");
      issued.add(token);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token }));
      return;
    }
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!issued.has(bearer)) {
      const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname)?.[1] ?? "";
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repo}:pull,push"`,
          "content-type": "application/json",
        })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }));
      return;
    }
    const [host, targetPort] = registryHost.split(":");
    const upstream = request(
      {
        host,
        port: Number(targetPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: registryHost, authorization: "" },
      },
      (reply) => {
        const headers = { ...reply.headers };
        // Upload locations point at the registry; keep clients on the proxy.
        if (typeof headers.location === "string")
          headers.location = headers.location.replace(registryHost, `127.0.0.1:${port}`);
        res.writeHead(reply.statusCode ?? 502, headers);
        reply.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    host: `127.0.0.1:${port}`,
    tokenRequests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
