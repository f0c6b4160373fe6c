/** The human form of a plan: short, aligned, grouped by stage. */
import type { Plan } from "./plan.js";

function table(rows: string[][], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]!) : c))
        .join("  ")
        .trimEnd(),
  );
}

/** Renders a plan for people. */
export function formatPlan(plan: Plan): string {
  const e = plan.event;
  const what =
    e.kind === "pull-request"
      ? `pull request #${e.pr}`
      : e.tag
        ? `tag ${e.tag}`
        : e.branch
          ? `branch ${e.branch}`
          : e.ref;
  const lines = [
    `${plan.app} ${plan.version}${plan.coerced ? " (coerced from the tag)" : ""}: ${e.kind} (${what}) at ${e.sha.slice(0, 7)}`,
    `rule: ${plan.rule ?? "none matched: nothing runs"}`,
    `stages: ${plan.stages.join(" -> ") || "none"}`,
    ...(plan.skipped?.length
      ? [`left out: ${plan.skipped.map((s) => s.stage).join(", ")} (${plan.skipped[0]!.reason})`]
      : []),
  ];
  const has = (s: string) => plan.stages.includes(s as Plan["stages"][number]);
  if (plan.images.length > 0) {
    lines.push(
      "",
      `images (tag ${plan.tags.image}${plan.tags.extra.length ? `, also ${plan.tags.extra.join(", ")}` : ""}):`,
    );
    lines.push(...table(plan.images.map((i) => [i.binary, i.platform, i.ref])));
  }
  if (plan.manifests.length > 0 && (has("publish") || has("manifests"))) {
    lines.push("", "manifests:");
    lines.push(...table(plan.manifests.map((m) => [m.ref, `<- ${m.sources.length} platform(s)`])));
  }
  if (has("helm-push") || plan.promotions.length > 0) {
    lines.push("", "chart:");
    lines.push(
      ...table([
        ["version", plan.chart.version],
        ["appVersion", plan.chart.appVersion],
        ["push", plan.chart.push ? plan.chart.ref : "no"],
      ]),
    );
  }
  if (plan.latest) {
    lines.push(
      "",
      `latest: ${plan.latest.update ? `move ${plan.latest.tags.join(", ")}` : "stays"} (${plan.latest.tagType} tag, by ${plan.latest.tagTypeSource})`,
    );
    lines.push(`  ${plan.latest.reason}`);
  }
  for (const p of plan.promotions) {
    lines.push("", `promote ${p.environment}:`);
    lines.push(...table(p.files.flatMap((f) => f.changes.map((c) => [f.path, c.key, c.value]))));
  }
  if (plan.preview)
    lines.push(
      "",
      `preview: ${plan.preview.action} in namespace ${plan.preview.namespace}${plan.preview.host ? ` at https://${plan.preview.host}` : ""}`,
    );
  return `${lines.join("\n")}\n`;
}
