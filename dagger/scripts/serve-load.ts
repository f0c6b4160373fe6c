/**
 * Load for `pipeline serve`, sent from its own process (so the server's latency is measured from
 * outside): `count` signed GitHub push deliveries in bursts, `duplicates` of them re-sending an
 * earlier delivery id. Prints one JSON line: answers by status and accept latency percentiles.
 *
 *   PIPELINE_GITHUB_SECRET=… node --import tsx scripts/serve-load.ts <url> <count> <duplicates> [burst]
 */
import { createHmac } from "node:crypto";

/** What a load run measured. */
export interface LoadResult {
  sent: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

/** Sends the load to `url` (serve's base URL). */
export async function sendLoad(
  url: string,
  count: number,
  duplicates: number,
  burst: number,
  secret: string,
): Promise<LoadResult> {
  const unique = count - duplicates;
  // Every tenth delivery after the first burst repeats an earlier id (the same body, as GitHub's redelivery does).
  const plan: number[] = [];
  let next = 0;
  let dups = 0;
  for (let i = 0; i < count; i++) {
    const repeat = dups < duplicates && (next >= unique || (i >= burst && i % 10 === 0));
    if (repeat) {
      plan.push(Math.floor((dups * 7919) % Math.max(1, Math.min(next, unique))));
      dups++;
    } else plan.push(next++);
  }
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const send = async (n: number) => {
    const body = JSON.stringify({
      ref: `refs/heads/feat/load-${n}`,
      after: n.toString(16).padStart(40, "0"),
      deleted: false,
    });
    const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    const started = performance.now();
    const res = await fetch(`${url}/hooks/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": `load-${n}`,
        "x-hub-signature-256": signature,
      },
      body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  };
  for (let i = 0; i < plan.length; i += burst) {
    await Promise.all(plan.slice(i, i + burst).map(send));
    // A short pause between bursts, as webhooks arrive in waves.
    await new Promise((r) => setTimeout(r, 20));
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    sent: count,
    statuses,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const [url, count, duplicates, burst] = process.argv.slice(2);
  const secret = process.env.PIPELINE_GITHUB_SECRET;
  if (!url || !count || !duplicates || !secret) {
    process.stderr.write(
      "usage: PIPELINE_GITHUB_SECRET=… serve-load.ts <url> <count> <duplicates> [burst]\n",
    );
    process.exit(2);
  }
  const result = await sendLoad(url, Number(count), Number(duplicates), Number(burst ?? 50), secret);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
