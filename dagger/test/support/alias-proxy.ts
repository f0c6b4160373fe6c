/**
 * A host name that resolves only for one client, as a Dagger service binding's alias does inside a
 * container: an HTTP CONNECT proxy that tunnels `<alias>:<port>` to a loopback address and refuses
 * everything else. A client given `HTTPS_PROXY` (Go's net/http, so helm and kubectl) then reaches
 * `https://kube-api:<port>` without /etc/hosts or DNS, and TLS stays end to end, so the server's
 * certificate is checked as the client would check it in the container.
 *
 * It runs in a child process: tests that answer the recording engine synchronously (spawnSync of
 * helm) block their own event loop, which an in-process proxy would need.
 */
import { type ChildProcess, spawn } from "node:child_process";

const PROXY_SOURCE = `
const net = require("node:net");
const http = require("node:http");
const aliases = JSON.parse(process.argv[1]);
const server = http.createServer((req, res) => { res.writeHead(405); res.end(); });
server.on("connect", (req, socket, head) => {
  process.stdout.write("CONNECT " + req.url + "\\n");
  const target = aliases[req.url];
  if (!target) { socket.end("HTTP/1.1 403 Forbidden\\r\\n\\r\\n"); return; }
  const i = target.lastIndexOf(":");
  const upstream = net.connect(Number(target.slice(i + 1)), target.slice(0, i), () => {
    socket.write("HTTP/1.1 200 Connection Established\\r\\n\\r\\n");
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write("LISTENING " + server.address().port + "\\n"));
`;

/** A running alias proxy. */
export interface AliasProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY. */
  url: string;
  /** Every CONNECT target asked for so far (`kube-api:41007`). */
  connects(): string[];
  stop(): Promise<void>;
}

/** Starts a proxy tunnelling each `alias:port` key to its `host:port` value. */
export function startAliasProxy(aliases: Record<string, string>): Promise<AliasProxy> {
  const child: ChildProcess = spawn(process.execPath, ["-e", PROXY_SOURCE, JSON.stringify(aliases)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const connects: string[] = [];
  let buffered = "";
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the alias proxy exited (${code}) before it listened`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("CONNECT ")) connects.push(line.slice(8));
        if (line.startsWith("LISTENING "))
          resolve({
            url: `http://127.0.0.1:${line.slice(10)}`,
            connects: () => [...connects],
            stop: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null) return done();
                child.removeAllListeners("exit");
                child.once("exit", () => done());
                child.kill("SIGKILL");
              }),
          });
      }
    });
  });
}
