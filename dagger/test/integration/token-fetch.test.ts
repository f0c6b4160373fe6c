/**
 * fetchSameOrigin against real loopback HTTP servers: redirects on the request's own origin are
 * followed as fetch does; one to another host or port is refused before anything reaches it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchSameOrigin } from "../../src/adapters/token-fetch.js";
import { FailureError } from "../../src/core/errors.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function listen(handler: (seen: Seen, res: import("node:http").ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const one = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(one);
      handler(one, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { seen, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("fetchSameOrigin", () => {
  let home: Awaited<ReturnType<typeof listen>>;
  let other: Awaited<ReturnType<typeof listen>>;
  const auth = { authorization: "Bearer tok-SECRET", "content-type": "application/json" };
  beforeAll(async () => {
    other = await listen((_seen, res) => res.writeHead(200).end("elsewhere"));
    home = await listen((seen, res) => {
      const to = (location: string, status = 307) => res.writeHead(status, { location }).end();
      if (seen.url === "/same") return to("/final");
      if (seen.url === "/see-other") return to("/final", 303);
      if (seen.url === "/found") return to("/final", 302);
      if (seen.url === "/other-port") return to(`http://127.0.0.1:${other.port}/final`);
      if (seen.url === "/other-host") return to(`http://localhost:${home.port}/final`);
      if (seen.url === "/loop") return to("/loop");
      res.writeHead(200).end(`${seen.method} ${seen.body}`);
    });
  });
  afterAll(async () => {
    await home?.close();
    await other?.close();
  });

  it("follows a 307 on its own origin with method, body and token", async () => {
    const response = await fetchSameOrigin(`http://127.0.0.1:${home.port}/same`, {
      method: "POST",
      headers: auth,
      body: '{"a":1}',
    });
    expect(await response.text()).toBe('POST {"a":1}');
    expect(home.seen.at(-1)!.headers.authorization).toBe("Bearer tok-SECRET");
  });

  it.each([
    ["303", "/see-other"],
    ["302 after a POST", "/found"],
  ])("turns a %s into a GET without a body, as fetch does", async (_name, path) => {
    const response = await fetchSameOrigin(`http://127.0.0.1:${home.port}${path}`, {
      method: "POST",
      headers: auth,
      body: "x",
    });
    expect(await response.text()).toBe("GET ");
  });

  it.each([
    ["another port", "/other-port"],
    ["another host name", "/other-host"],
  ])("refuses a redirect to %s before sending anything there", async (_name, path) => {
    const before = { other: other.seen.length, home: home.seen.length };
    const attempt = fetchSameOrigin(`http://127.0.0.1:${home.port}${path}`, {
      method: "POST",
      headers: auth,
      body: "notes",
    });
    await expect(attempt).rejects.toThrow(FailureError);
    await expect(fetchSameOrigin(`http://127.0.0.1:${home.port}${path}`, { headers: auth })).rejects.toThrow(
      /redirected a request to another host .*refused/,
    );
    expect(other.seen.length).toBe(before.other);
    // Only the two first requests reached the home server (the one that said "go elsewhere").
    expect(home.seen.length).toBe(before.home + 2);
  });

  it("gives up on a redirect loop", async () => {
    await expect(fetchSameOrigin(`http://127.0.0.1:${home.port}/loop`)).rejects.toThrow(/more than 5 times/);
  });
});
