/**
 * Which runner a stage command uses: `dagger` runs `dagger call <fn>` against an engine, `host`
 * runs the same argv with the tools on this machine. `auto` picks dagger only when its CLI is on
 * PATH and an engine answers, and says which it picked and why.
 */
import { UsageError } from "../errors.js";

/** The runners. */
export const RUNNERS = ["host", "dagger", "auto"] as const;
/** A runner a stage runs with. */
export type RunnerName = "host" | "dagger";

/** What the machine was found to have; `engine` is null when it was not probed (no CLI). */
export interface RunnerProbe {
  daggerCli: boolean;
  engine: boolean | null;
}

/** Validates `--runner`. */
export function parseRunner(flag: string | undefined): (typeof RUNNERS)[number] {
  const value = flag ?? "auto";
  if (!(RUNNERS as readonly string[]).includes(value))
    throw new UsageError(`--runner "${value}" must be host, dagger or auto`);
  return value as (typeof RUNNERS)[number];
}

/** Picks the runner for `flag` (validated) given what the machine has; `reason` is one line for people. */
export function chooseRunner(
  flag: (typeof RUNNERS)[number],
  probe: RunnerProbe,
): { runner: RunnerName; reason: string } {
  if (flag === "host") return { runner: "host", reason: "--runner host" };
  if (flag === "dagger") return { runner: "dagger", reason: "--runner dagger" };
  if (!probe.daggerCli) return { runner: "host", reason: "auto: no dagger CLI on PATH" };
  if (!probe.engine) return { runner: "host", reason: "auto: the dagger CLI found no engine" };
  return { runner: "dagger", reason: "auto: dagger CLI and engine found" };
}
