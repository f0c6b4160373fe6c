/**
 * The recording engine: a small GraphQL server on loopback that the real Dagger SDK talks to
 * (DAGGER_SESSION_PORT / DAGGER_SESSION_TOKEN). It records every query and answers it generically:
 * object fields return IDs that spell out the call chain that made them, scalars come from the
 * test's answers (or a neutral default). It never pretends to run a container, but it is as strict
 * as a real engine where our host runs are not (docs/module.md, "What the tests model"):
 * - `File.contents` is a string: bytes a test answers are decoded the way Go's encoding/json
 *   marshals `string(content)`, every invalid UTF-8 byte becoming U+FFFD;
 * - every `withExec` is checked against the image it runs in (image-facts.ts): argv[0] must exist
 *   on that image's PATH (as changed by `withEnvVariable`), or at its absolute path; the entrypoint
 *   counts only with `useEntrypoint`. A missing program fails the query with the engine's error;
 * - a test can fail an exec the way the engine does ({@link execFailure}): a GraphQL error whose
 *   extensions carry the command, exit code, stdout and stderr.
 */
import { createServer, type Server } from "node:http";
import { type FieldNode, Kind, parse, type SelectionSetNode, type ValueNode } from "graphql";
import { factsOf, type ImageFacts, lookPath } from "./image-facts.js";

/** One call in a chain: a field and its arguments. */
export interface Step {
  field: string;
  args: Record<string, unknown>;
}

/**
 * Answers a leaf (or list) field for a chain; undefined means "use the default". Bytes (a Buffer)
 * are returned as the engine would (lossy UTF-8); an {@link EngineError} fails the query.
 */
export type Answer = (chain: Step[]) => unknown;

const PREFIX = "rec:";

/** A GraphQL error the engine answers instead of data (a test returns one from its answers to fail a query). */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The error a real engine answers when an exec exits non-zero (core/exec_error.go: EXEC_ERROR extensions). */
export function execFailure(argv: string[], exitCode: number, stdout: string, stderr: string): EngineError {
  return new EngineError(
    `process "${argv.join(" ")}" did not complete successfully: exit code: ${exitCode}`,
    {
      _type: "EXEC_ERROR",
      cmd: argv,
      exitCode,
      stdout: stdout.trim(),
      stderr: stderr.trim(),
    },
  );
}

/**
 * Bytes as the engine returns a file's contents: Go's `string(content)` marshalled by encoding/json,
 * which writes U+FFFD for every byte that does not start a valid UTF-8 sequence (dagql/types.go,
 * encoding/json encodeState.string). Node's TextDecoder differs on truncated sequences (one U+FFFD
 * for the whole maximal subpart), so this follows Go's utf8.DecodeRune byte by byte.
 */
export function goJsonString(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  const cont = (k: number) => k < bytes.length && (bytes[k]! & 0xc0) === 0x80;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let size = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) size = 1;
    else if (b >= 0xc2 && b <= 0xdf) size = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      size = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      size = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    const second = bytes[i + 1];
    const valid =
      size === 1 ||
      (size > 1 &&
        second !== undefined &&
        second >= lo &&
        second <= hi &&
        (size < 3 || cont(i + 2)) &&
        (size < 4 || cont(i + 3)));
    if (!valid) {
      out += "\uFFFD";
      i += 1;
      continue;
    }
    out += Buffer.from(bytes.subarray(i, i + size)).toString("utf8");
    i += size;
  }
  return out;
}

/** What an exec sees: the image it runs in, its PATH and entrypoint as the chain changed them. */
interface ContainerState {
  image?: string;
  facts?: ImageFacts;
  path: string;
  entrypoint: string[];
}

/** Every `rec:` ID inside a value (args can hold IDs, lists of IDs, objects with IDs). */
function idsIn(value: unknown): string[] {
  if (typeof value === "string") return value.startsWith(PREFIX) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(idsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(idsIn);
  return [];
}

/**
 * Evaluates a chain the way the engine does when a leaf is asked for: everything it depends on
 * (the IDs in its arguments) first, then its own execs, each checked against its image. Returns
 * the engine's error, if any.
 */
function evaluate(chain: Step[], memo: Map<string, EngineError | null>): EngineError | null {
  const key = JSON.stringify(chain);
  const known = memo.get(key);
  if (known !== undefined) return known;
  let failure: EngineError | null = null;
  let state: ContainerState = { path: "", entrypoint: [] };
  for (const step of chain) {
    for (const id of idsIn(step.args)) {
      failure = evaluate(decodeId(id), memo);
      if (failure) break;
    }
    if (failure) break;
    switch (step.field) {
      case "container":
        state = { path: "", entrypoint: [] };
        break;
      case "from": {
        const image = String(step.args.address);
        const facts = factsOf(image);
        state = { image, facts, path: facts?.path ?? "", entrypoint: facts?.entrypoint ?? [] };
        break;
      }
      case "dockerBuild":
        state = { image: "(a Dockerfile build)", path: "", entrypoint: [] };
        break;
      case "withEnvVariable":
        if (step.args.name === "PATH") {
          const value = String(step.args.value);
          state.path = step.args.expand ? value.replace(/\$\{PATH\}|\$PATH\b/g, state.path) : value;
        }
        break;
      case "withEntrypoint":
        state.entrypoint = (step.args.args as string[]) ?? [];
        break;
      case "withoutEntrypoint":
        state.entrypoint = [];
        break;
      case "withExec": {
        const args = (step.args.args as string[]) ?? [];
        const argv = step.args.useEntrypoint ? [...state.entrypoint, ...args] : args;
        failure = checkExec(state, argv);
        break;
      }
    }
    if (failure) break;
  }
  memo.set(key, failure);
  return failure;
}

function checkExec(state: ContainerState, argv: string[]): EngineError | null {
  const program = argv[0];
  if (!program) return new EngineError("no command has been set (withExec with an empty argv)");
  if (!state.image)
    return new EngineError(`exec: "${program}": executable file not found in $PATH (an empty container)`);
  if (!state.facts)
    return new EngineError(
      `the recording engine has no facts for image "${state.image}": add it to test/contract/image-facts.ts from its Dockerfile`,
    );
  if (lookPath(state.facts, program, state.path)) return null;
  return new EngineError(
    program.includes("/")
      ? `exec: "${program}": stat ${program}: no such file or directory (image ${state.image})`
      : `exec: "${program}": executable file not found in $PATH (image ${state.image}, PATH=${state.path})`,
  );
}

/** The ID of an object made by `chain`: readable JSON, so assertions (and secret scans) see everything. */
export function encodeId(chain: Step[]): string {
  return PREFIX + JSON.stringify(chain);
}

/** The chain behind an ID made by {@link encodeId} (other IDs decode to a single opaque step). */
export function decodeId(id: string): Step[] {
  return id.startsWith(PREFIX)
    ? (JSON.parse(id.slice(PREFIX.length)) as Step[])
    : [{ field: "#opaque", args: { id } }];
}

function literalValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.INT:
      return Number.parseInt(node.value, 10);
    case Kind.FLOAT:
      return Number.parseFloat(node.value);
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalValue);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literalValue(f.value)]));
    default:
      return null;
  }
}

function defaultLeaf(field: string, chain: Step[]): unknown {
  if (field === "id" || field === "sync") return encodeId(chain);
  if (field === "publish") return `${String(chain.at(-1)?.args.address)}@sha256:${"0".repeat(64)}`;
  if (field === "export") return chain.at(-1)?.args.path ?? "";
  if (field === "stdout" || field === "stderr" || field === "contents" || field === "name") return "";
  if (field === "entries") return [];
  return null;
}

/** A running recording engine. */
export interface RecordingEngine {
  port: number;
  token: string;
  queries: string[];
  /** Every chain a query asked about, down to its leaf field. */
  chains: Step[][];
  /** The most queries that were in flight at once (with `latencyMs`, a measure of concurrency). */
  maxInFlight(): number;
  close(): Promise<void>;
}

/** How the engine behaves beyond its answers. */
export interface EngineOptions {
  /** Delay every answer by this much, so queries a function sends concurrently overlap. */
  latencyMs?: number;
}

/** Starts the engine; `answer` scripts the values a scenario needs. */
export async function startRecordingEngine(
  answer: Answer,
  options: EngineOptions = {},
): Promise<RecordingEngine> {
  let inFlight = 0;
  let maxInFlight = 0;
  const queries: string[] = [];
  const chains: Step[][] = [];
  const token = "recording-engine-session";
  const memo = new Map<string, EngineError | null>();
  const resolve = (selection: SelectionSetNode, chain: Step[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const node of selection.selections) {
      if (node.kind === Kind.INLINE_FRAGMENT) {
        Object.assign(out, resolve(node.selectionSet, chain));
        continue;
      }
      if (node.kind !== Kind.FIELD) continue;
      const field = node as FieldNode;
      const name = field.name.value;
      const args = Object.fromEntries(
        (field.arguments ?? []).map((a) => [a.name.value, literalValue(a.value)]),
      );
      // node(id:) and load*FromID continue the chain the ID spells out.
      const loads = name === "node" || /^load.*FromID$/.test(name);
      const next = loads ? decodeId(String(args.id)) : [...chain, { field: name, args }];
      const key = field.alias?.value ?? name;
      const scripted = answer(next);
      if (field.selectionSet) {
        out[key] = Array.isArray(scripted)
          ? scripted.map((item, i) => {
              const itemChain = [...next, { field: `#${i}`, args: item as Record<string, unknown> }];
              const leaf = resolve(field.selectionSet!, itemChain);
              for (const k of Object.keys(leaf))
                if (item && typeof item === "object" && k in item)
                  leaf[k] = (item as Record<string, unknown>)[k];
              return leaf;
            })
          : resolve(field.selectionSet, next);
      } else {
        chains.push(next);
        if (name !== "id") {
          const failure = evaluate(next, memo);
          if (failure) throw failure;
        }
        if (scripted instanceof EngineError) throw scripted;
        const value = scripted !== undefined ? scripted : defaultLeaf(name, name === "id" ? chain : next);
        out[key] = value instanceof Uint8Array ? goJsonString(value) : value;
      }
    }
    return out;
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const send = (status: number, payload: unknown) => {
      setTimeout(() => {
        inFlight -= 1;
        res.statusCode = status;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(payload));
      }, options.latencyMs ?? 0);
    };
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        const { query } = JSON.parse(body) as { query: string };
        queries.push(query);
        const doc = parse(query);
        const op = doc.definitions[0];
        const data = op && op.kind === Kind.OPERATION_DEFINITION ? resolve(op.selectionSet, []) : {};
        send(200, { data });
      } catch (error) {
        // Like the engine: an engine error is HTTP 200 with the error (and its extensions), no data.
        if (error instanceof EngineError)
          send(200, { data: null, errors: [{ message: error.message, extensions: error.extensions }] });
        else send(400, { errors: [{ message: String(error) }] });
      }
    });
  });
  // The SDK keeps connections alive between queries; if the server closed idle sockets first (Node's
  // default is 5 s, easily reached on a loaded machine), a query would meet a hung-up socket.
  server.keepAliveTimeout = 300_000;
  server.headersTimeout = 301_000;
  server.requestTimeout = 0;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    token,
    queries,
    chains,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
