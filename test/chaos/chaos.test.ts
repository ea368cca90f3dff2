import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clusterSkipReason } from "./cluster.js";
import { seedFrom } from "./random.js";
import { saveReport, summarize } from "./report.js";
import { runChaos, shortMode } from "./run.js";

/**
 * Seeds that once broke an invariant, replayed on every run (the workload and the fault
 * schedule are the seed's; the interleaving of processes is not, so a seed may pass by luck).
 * Each run takes one to two minutes: keep the list short.
 */
const regressionSeeds: { seed: number; found: string }[] = [
  {
    seed: 3,
    found:
      "a LinkedIn post published twice around a database restart while reconciliation reads failed; a worker killed by pg-boss's complete() during a restart; edits refused",
  },
];

const freshSeed = seedFrom(process.env.CHAOS_SEED);
const seeds = [...new Set([...regressionSeeds.map((regression) => regression.seed), freshSeed])];

describe("exactly-once publishing under chaos", { skip: clusterSkipReason() }, () => {
  for (const seed of seeds) {
    const regression = regressionSeeds.find((candidate) => candidate.seed === seed);
    const name = regression
      ? `seed ${seed} (regression: ${regression.found})`
      : `seed ${seed}: platform faults, kills and database restarts; each target published once or honestly not`;
    test(name, { timeout: 6 * 60_000 }, async () => {
      const report = await runChaos({ ...shortMode, seed, log: (line) => console.log(line) });
      console.log(summarize(report));
      const file = await saveReport(report);
      console.log(`  report: ${file}`);
      assert.deepEqual(
        report.violations.map((violation) => `${violation.kind} ${violation.platform ?? ""} ${violation.marker ?? ""}`),
        [],
        `seed ${seed} broke exactly-once: the summary above lists each violation; the report is ${file}`,
      );
    });
  }
});
