/** /metrics in Prometheus's text format: queue depth, runs by status, stage durations. */

import type { Store } from "../adapters/serve/store.js";
import { RUN_STATUSES } from "../core/serve/queue.js";

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Renders the metrics. */
export async function renderMetrics(store: Store, busyWorkers: number, workers: number): Promise<string> {
  const m = await store.metrics();
  const lines = [
    "# HELP pipeline_serve_queue_depth Runs waiting for a worker.",
    "# TYPE pipeline_serve_queue_depth gauge",
    `pipeline_serve_queue_depth ${m.byStatus.queued ?? 0}`,
    "# HELP pipeline_serve_runs Runs by status.",
    "# TYPE pipeline_serve_runs gauge",
    ...RUN_STATUSES.map((s) => `pipeline_serve_runs{status="${s}"} ${m.byStatus[s] ?? 0}`),
    "# HELP pipeline_serve_workers_busy Workers of this process running a run.",
    "# TYPE pipeline_serve_workers_busy gauge",
    `pipeline_serve_workers_busy ${busyWorkers}`,
    "# HELP pipeline_serve_workers Workers of this process.",
    "# TYPE pipeline_serve_workers gauge",
    `pipeline_serve_workers ${workers}`,
    "# HELP pipeline_serve_stage_duration_seconds Time stages took, by stage.",
    "# TYPE pipeline_serve_stage_duration_seconds summary",
    ...m.stages.flatMap((s) => [
      `pipeline_serve_stage_duration_seconds_sum{stage="${label(s.name)}"} ${(s.sumMs / 1000).toFixed(3)}`,
      `pipeline_serve_stage_duration_seconds_count{stage="${label(s.name)}"} ${s.count}`,
    ]),
  ];
  return `${lines.join("\n")}\n`;
}
