/**
 * The recording engine: a small GraphQL server on loopback that the real Dagger SDK talks to
 * (DAGGER_SESSION_PORT / DAGGER_SESSION_TOKEN). It records every query and answers it generically:
 * object fields return IDs that spell out the call chain that made them, scalars come from the
 * test's answers (or a neutral default). It never pretends to run a container.
 */
import { createServer, type Server } from "node:http";
import { type FieldNode, Kind, parse, type SelectionSetNode, type ValueNode } from "graphql";

/** One call in a chain: a field and its arguments. */
export interface Step {
  field: string;
  args: Record<string, unknown>;
}

/** Answers a leaf (or list) field for a chain; undefined means "use the default". */
export type Answer = (chain: Step[]) => unknown;

const PREFIX = "rec:";

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
  close(): Promise<void>;
}

/** Starts the engine; `answer` scripts the values a scenario needs. */
export async function startRecordingEngine(answer: Answer): Promise<RecordingEngine> {
  const queries: string[] = [];
  const chains: Step[][] = [];
  const token = "recording-engine-session";
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
        out[key] = scripted !== undefined ? scripted : defaultLeaf(name, name === "id" ? chain : next);
      }
    }
    return out;
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        const { query } = JSON.parse(body) as { query: string };
        queries.push(query);
        const doc = parse(query);
        const op = doc.definitions[0];
        const data = op && op.kind === Kind.OPERATION_DEFINITION ? resolve(op.selectionSet, []) : {};
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data }));
      } catch (error) {
        res.statusCode = 400;
        res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
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
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
