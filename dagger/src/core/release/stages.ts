/** Which stages a run has: the first branch rule whose events and branches match decides. */
import type { BranchRule, Stage } from "../config/config.js";
import { STAGES } from "../config/config.js";
import type { PipelineEvent } from "./event.js";
import { matchGlob } from "./glob.js";

/** The rule that applies and the stages it runs, in release order. */
export interface StageSelection {
  rule: string | null;
  stages: Stage[];
  promote?: string;
}

/** Returns the first rule matching `event` (null rule and no stages when none matches). */
export function selectStages(rules: readonly BranchRule[], event: PipelineEvent): StageSelection {
  for (const rule of rules) {
    if (rule.events.length > 0 && !rule.events.includes(event.kind)) continue;
    if (rule.branches.length > 0) {
      if (event.kind !== "branch" || !event.branch) continue;
      if (!rule.branches.some((pattern) => matchGlob(pattern, event.branch!))) continue;
    }
    const stages = STAGES.filter((stage) => rule.stages.includes(stage));
    return { rule: rule.name, stages, ...(rule.promote ? { promote: rule.promote } : {}) };
  }
  return { rule: null, stages: [] };
}
