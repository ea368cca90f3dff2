/**
 * `npm run chaos`: the long chaos run. CHAOS_SEED replays a seed; CHAOS_TARGETS (3000),
 * CHAOS_SECONDS of faults (600), CHAOS_FAULT_INTERVAL_MS (150) and CHAOS_DRAIN_SECONDS (300)
 * size it. Prints the summary, keeps the report in test-results/chaos/, and exits 1 on any
 * violation.
 */
import { clusterSkipReason } from "./cluster.js";
import { seedFrom } from "./random.js";
import { saveReport, summarize } from "./report.js";
import { runChaos } from "./run.js";

const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const skip = clusterSkipReason();
if (skip) {
  console.error(`chaos: cannot run: ${skip}`);
  process.exit(2);
}
const seed = seedFrom(process.env.CHAOS_SEED);
// Ctrl-C tears down the cluster, the sandbox and the product's processes before leaving.
const interruption = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => interruption.abort());
const startedAt = Date.now();
console.log(`chaos: seed ${seed}`);
const report = await runChaos({
  seed,
  targets: setting("CHAOS_TARGETS", 3_000),
  chaosMs: setting("CHAOS_SECONDS", 600) * 1000,
  faultIntervalMs: setting("CHAOS_FAULT_INTERVAL_MS", 150),
  drainTimeoutMs: setting("CHAOS_DRAIN_SECONDS", 300) * 1000,
  log: (line) => console.log(`[${Math.round((Date.now() - startedAt) / 1000)} s] ${line}`),
  signal: interruption.signal,
}).catch((error: Error) => {
  console.error(`chaos: ${interruption.signal.aborted ? "interrupted; everything it started is gone" : error.stack}`);
  process.exit(interruption.signal.aborted ? 130 : 2);
});
console.log(summarize(report));
console.log(`report: ${await saveReport(report)}; ${Math.round((Date.now() - startedAt) / 1000)} s in all`);
process.exit(report.violations.length === 0 ? 0 : 1);
