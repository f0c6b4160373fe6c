/**
 * Preloaded into the module's process (like the engine's runtime container, whose loopback is its
 * own): refuses every connection from module code to a loopback address — 127.0.0.0/8, ::1,
 * localhost, any name resolving there — and to unix sockets, except the recording engine's session
 * port. A test that stands in for a remote server (a registry "on the internet") names it in
 * PIPELINE_CONTRACT_HOSTS (`{"registry.contract.test": 5000}`): that name, and only it, reaches
 * 127.0.0.1 on that port. So `fetch("http://localhost:5001/v2/")` from a function fails here as it
 * does on a real engine (docs: using-dagger/services, "Host-to-container networking").
 */
import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import net from "node:net";

const sessionPort = Number(process.env.DAGGER_SESSION_PORT);
const hosts = new Map<string, number>(
  Object.entries(JSON.parse(process.env.PIPELINE_CONTRACT_HOSTS ?? "{}") as Record<string, number>),
);

function isLoopback(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return /^127\./.test(v4) || address === "::1" || address === "0.0.0.0" || address === "::";
}

function refused(host: string, port: number): NodeJS.ErrnoException {
  return Object.assign(
    new Error(
      `connect ECONNREFUSED ${host}:${port} (the module runs in its own container: its loopback is not the host's; pass the server as a Service)`,
    ),
    { code: "ECONNREFUSED", errno: -111, syscall: "connect", address: host, port },
  );
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A lookup that resolves the stand-in names and refuses what resolves to loopback. */
function guardedLookup(port: number) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const answer = (addresses: LookupAddress[]) => {
      if (addresses.length === 0) callback(refused(hostname, port), "");
      else if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    const standIn = hosts.get(hostname);
    if (standIn !== undefined) {
      answer(standIn === port ? [{ address: "127.0.0.1", family: 4 }] : []);
      return;
    }
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) callback(err, "");
      else answer(addresses.filter((a) => !isLoopback(a.address) || port === sessionPort));
    });
  };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  // net.connect passes its already-normalised [options, callback] array as the first argument.
  const normalized = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  let options = normalized[0];
  if (typeof options !== "object" || options === null) {
    options =
      typeof options === "string" && !/^\d+$/.test(options)
        ? { path: options }
        : { port: Number(options), host: typeof normalized[1] === "string" ? normalized[1] : "localhost" };
    normalized[0] = options;
    if (normalized === args && typeof args[1] === "string") args.splice(1, 1);
  }
  const o = options as { path?: string; host?: string; port?: number | string; lookup?: unknown };
  if (o.path) {
    process.nextTick(() => this.destroy(refused(o.path!, 0)));
    return this;
  }
  const host = o.host ?? "localhost";
  const port = Number(o.port);
  if (net.isIP(host)) {
    if (isLoopback(host) && port !== sessionPort) {
      process.nextTick(() => this.destroy(refused(host, port)));
      return this;
    }
  } else {
    o.lookup = guardedLookup(port);
  }
  return connect.apply(this, args as Parameters<typeof connect>);
} as typeof connect;
