/** Reads what the module registered (the list `dagger functions` shows) out of a recorded run. */
import { decodeId, type Step } from "./engine.js";
import type { ModuleRun } from "./harness.js";

/** What `dagger functions` would list: each function of Pipeline with its description and arguments. */
export interface RegisteredFunction {
  name: string;
  description: string;
  args: { name: string; type: string; optional: boolean; description: string }[];
  /**
   * The cache policy the SDK registered with `withCachePolicy`: "Never", "PerSession", "Default"
   * (with `ttl` when the function asked for one), or "none" when it sent no policy.
   */
  cache: string;
  ttl?: string;
}

/** The type a typeDef chain describes: STRING, Directory, [STRING], ... */
export function typeName(steps: Step[]): string {
  const kind = steps.find((s) => s.field === "withKind")?.args.kind;
  const object = steps.find((s) => s.field === "withObject")?.args.name;
  const list = steps.find((s) => s.field === "withListOf")?.args.elementType;
  if (list) return `[${typeName(decodeId(String(list)))}]`;
  return String(object ?? kind ?? "?");
}

/** Reads the registration out of the typeDef IDs the module sent. */
export function registeredFunctions(run: ModuleRun): RegisteredFunction[] {
  // The module's ID comes back as the JSON value of returnValue; typeDef IDs nest inside it.
  const ids = run.chains
    .flat()
    .flatMap((s) => Object.values(s.args))
    .map((v) => (typeof v === "string" && v.startsWith('"rec:') ? (JSON.parse(v) as string) : v))
    .filter((v): v is string => typeof v === "string" && v.startsWith("rec:"));
  const functions = new Map<string, RegisteredFunction>();
  const visit = (id: string) => {
    const steps = decodeId(id);
    const fn = steps.find((s) => s.field === "function");
    if (fn && fn.args.name) {
      const args = steps
        .filter((s) => s.field === "withArg")
        .map((s) => {
          const typeSteps = decodeId(String(s.args.typeDef));
          return {
            name: String(s.args.name),
            type: typeName(typeSteps),
            optional: typeSteps.some((t) => t.field === "withOptional" && t.args.optional === true),
            description: String(s.args.description ?? ""),
          };
        });
      const policy = steps.find((s) => s.field === "withCachePolicy")?.args;
      functions.set(String(fn.args.name), {
        name: String(fn.args.name),
        description: String(steps.find((s) => s.field === "withDescription")?.args.description ?? ""),
        args,
        cache: policy ? String(policy.policy) : "none",
        ...(policy?.timeToLive ? { ttl: String(policy.timeToLive) } : {}),
      });
    }
    for (const step of steps)
      for (const v of Object.values(step.args)) if (typeof v === "string" && v.startsWith("rec:")) visit(v);
  };
  ids.forEach(visit);
  return [...functions.values()].sort((a, b) => a.name.localeCompare(b.name));
}
