/**
 * The transport loads node:https only when a URL needs it (a plain-HTTP registry never pays for
 * TLS). These exchanges go over real TLS on loopback, with a certificate made by openssl: one
 * refused because nothing trusts it, and, in a process told to trust it (NODE_EXTRA_CA_CERTS),
 * one direct and one reached through a plain-HTTP redirect, where node:https loads mid-exchange.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../src/adapters/registry/http-transport.js";
import { freePort } from "../support/ports.js";
import { skipWithout } from "../support/tools.js";

const dagger = join(import.meta.dirname, "../..");

describe.skipIf(skipWithout("openssl"))("the registry transport over TLS", () => {
  let dir: string;
  let tls: Server;
  let plain: Server;
  let tlsPort: number;
  let plainPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "transport-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    tlsPort = await freePort();
    plainPort = await freePort();
    tls = createHttpsServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => res.writeHead(200, { "content-type": "text/plain" }).end(`tls ${req.url}`),
    );
    plain = createHttpServer((req, res) =>
      res.writeHead(307, { location: `https://127.0.0.1:${tlsPort}${req.url}` }).end(),
    );
    await new Promise<void>((r) => tls.listen(tlsPort, "127.0.0.1", r));
    await new Promise<void>((r) => plain.listen(plainPort, "127.0.0.1", r));
  });
  afterAll(async () => {
    tls?.closeAllConnections?.();
    plain?.closeAllConnections?.();
    await new Promise((r) => tls?.close(r));
    await new Promise((r) => plain?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a certificate nothing trusts", async () => {
    await expect(
      send(`https://127.0.0.1:${tlsPort}/v2/`, { method: "GET", timeoutMs: 10_000, maxBodyBytes: 1024 }),
    ).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });

  it("talks TLS to a trusted registry, directly and after a redirect from plain HTTP", async () => {
    const script = `
      import { send } from ${JSON.stringify(join(dagger, "src/adapters/registry/http-transport.ts"))};
      const ask = (url) => send(url, { method: "GET", timeoutMs: 10000, maxBodyBytes: 1024 })
        .then((a) => a.status + " " + a.body.toString());
      console.log(await ask("https://127.0.0.1:${tlsPort}/v2/direct"));
      console.log(await ask("http://127.0.0.1:${plainPort}/v2/redirected"));
    `;
    // Async: the servers answer from this process's event loop.
    const run = await promisify(execFile)(
      join(dagger, "node_modules/.bin/tsx"),
      ["--input-type=module", "-e", script],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual(["200 tls /v2/direct", "200 tls /v2/redirected"]);
  });
});
