import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { JournalEntry } from "../../sandbox/state.js";
import { projectPath } from "../../src/paths.js";
import { emulationOf } from "../../sandbox/index.js";
import { platformIds, type PlatformId } from "../../src/platforms/profiles.js";
import type { ProcessIncident } from "./fleet.js";
import type { Violation } from "./invariants.js";
import type { ArmedFault, HealthProbe, ProcessRecord } from "./lanes.js";

export interface FaultTally {
  platform: string;
  mode: string;
  armed: number;
  fired: number;
}

export interface ChaosReport {
  seed: number;
  settings: { targets: number; chaosMs: number; faultIntervalMs: number; drainTimeoutMs: number };
  posts: number;
  targets: number;
  /** Targets by platform and final state. */
  outcomes: Record<string, Record<string, number>>;
  faults: FaultTally[];
  expiries: number;
  processes: ProcessRecord[];
  incidents: ProcessIncident[];
  healthProbes: HealthProbe[];
  healthBoundMs: number;
  drainMs: number | null;
  connectionsHealthyAfterMs: number | null;
  violations: (Violation & { causes: string[] })[];
  figures: { lost: number; duplicated: number; publishedButAbsent: number; stateMismatches: number };
  runStartedAt: number;
}

/** Armed faults per platform and mode, with how many calls each actually met. */
export function tallyFaults(armed: ArmedFault[], rules: { id: number; fired: number }[]): FaultTally[] {
  const tally = new Map<string, FaultTally>();
  for (const fault of armed) {
    const mode = fault.gatewayPage ? "error (gateway page)" : fault.mode;
    const entry = tally.get(`${fault.platform}|${mode}`) ?? { platform: fault.platform, mode, armed: 0, fired: 0 };
    entry.armed += fault.count;
    entry.fired += rules.find((rule) => rule.id === fault.ruleId)?.fired ?? 0;
    tally.set(`${fault.platform}|${mode}`, entry);
  }
  return [...tally.values()].sort((a, b) => a.platform.localeCompare(b.platform) || a.mode.localeCompare(b.mode));
}

/** The figures of the summary, counted from the violations. */
export function figuresOf(violations: Violation[]): ChaosReport["figures"] {
  const count = (...kinds: Violation["kind"][]) =>
    violations.filter((violation) => kinds.includes(violation.kind)).length;
  return {
    lost: count("unsettled"),
    duplicated: count("duplicate"),
    publishedButAbsent: count("published-but-absent"),
    stateMismatches: count(
      "published-wrong-post",
      "published-early",
      "cancelled-but-present",
      "edit-ignored",
      "edit-refused",
      "content-altered",
      "claimed-twice",
      "failed-but-present",
      "failed-without-reason",
      "unknown-present-unsaid",
      "thread-broken",
    ),
  };
}

/**
 * What happened around a violation: the faults the sandbox served on that platform and
 * account within seconds of its moment, and the process events of the half-minute before it
 * (a kill or a restart acts later, when its work is picked up again). Times are relative to
 * the run's start.
 */
export function causesOf(
  violation: Violation,
  evidence: { runStartedAt: number; faultEntries: JournalEntry[]; processes: ProcessRecord[]; accounts: string[] },
): string[] {
  const moment = violation.at;
  if (moment === undefined) return [];
  const relative = (time: number) => `+${((time - evidence.runStartedAt) / 1000).toFixed(1)}s`;
  const prefix = platformIds.includes(violation.platform as PlatformId)
    ? emulationOf(violation.platform as PlatformId).prefix
    : undefined;
  // Paths name the account where the platform's API does (Graph nodes, X timelines): another account's call is not a cause.
  const otherAccounts = evidence.accounts.filter((account) => account !== violation.account);
  const faults = evidence.faultEntries
    .filter(
      (entry) =>
        prefix !== undefined &&
        entry.platform === prefix &&
        Math.abs(entry.at - moment) <= 5_000 &&
        !otherAccounts.some((account) => entry.path.includes(account)),
    )
    .sort((a, b) => Math.abs(a.at - moment) - Math.abs(b.at - moment))
    .slice(0, 8)
    .map((entry) => ({
      at: entry.at,
      line: `${relative(entry.at)} ${entry.fault} on ${entry.method} ${entry.path} (status ${entry.status})`,
    }));
  const processes = evidence.processes
    .filter((record) => record.at >= moment - 30_000 && record.at <= moment + 2_000)
    .map((record) => ({ at: record.at, line: `${relative(record.at)} ${record.action}: ${record.detail}` }));
  return [...faults, ...processes].sort((a, b) => a.at - b.at).map((cause) => cause.line);
}

/** The summary a person reads: figures first, then every violation with what preceded it. */
export function summarize(report: ChaosReport): string {
  const lines: string[] = [];
  const relative = (time: number) => `+${((time - report.runStartedAt) / 1000).toFixed(1)}s`;
  const seconds = (ms: number | null) => (ms === null ? "not within the bound" : `${(ms / 1000).toFixed(1)} s`);
  const byAction = report.processes.reduce<Record<string, number>>((counts, record) => {
    counts[record.action] = (counts[record.action] ?? 0) + 1;
    return counts;
  }, {});
  const fired = report.faults.reduce((sum, fault) => sum + fault.fired, 0);
  lines.push(`chaos seed ${report.seed} (CHAOS_SEED=${report.seed} replays it)`);
  lines.push(`  targets ${report.targets} in ${report.posts} posts`);
  for (const [platform, states] of Object.entries(report.outcomes).sort())
    lines.push(
      `    ${platform.padEnd(10)} ${Object.entries(states)
        .map(([state, count]) => `${state} ${count}`)
        .join(", ")}`,
    );
  lines.push(
    `  platform faults served ${fired} (armed ${report.faults.reduce((sum, fault) => sum + fault.armed, 0)}); token expiries ${report.expiries}`,
  );
  for (const fault of report.faults)
    lines.push(`    ${fault.platform.padEnd(10)} ${fault.mode.padEnd(22)} served ${fault.fired} of ${fault.armed}`);
  lines.push(
    `  kills: worker ${byAction["kill-worker"] ?? 0}, both workers ${byAction["kill-both-workers"] ?? 0}, API ${byAction["kill-api"] ?? 0}; ` +
      `database restarts: fast ${byAction["restart-database-fast"] ?? 0}, immediate ${byAction["restart-database-immediate"] ?? 0}; ` +
      `exits unprompted: ${report.incidents.filter((incident) => !incident.duringStart).length} while running, ` +
      `${report.incidents.filter((incident) => incident.duringStart).length} while starting`,
  );
  const firstRed = report.healthProbes.find((probe) => probe.status !== 200);
  lines.push(
    `  /api/health with no worker: ${report.healthProbes.length} probes, first non-200 after ${firstRed ? `${firstRed.afterKillMs} ms` : "never"} (bound ${report.healthBoundMs} ms)`,
  );
  lines.push(
    `  lost ${report.figures.lost}, duplicated ${report.figures.duplicated}, shown published but absent ${report.figures.publishedButAbsent}, state mismatches ${report.figures.stateMismatches}`,
  );
  lines.push(
    `  drain ${seconds(report.drainMs)}; connections healthy again after ${seconds(report.connectionsHealthyAfterMs)}`,
  );
  const kinds = report.violations.reduce<Record<string, number>>((counts, violation) => {
    counts[violation.kind] = (counts[violation.kind] ?? 0) + 1;
    return counts;
  }, {});
  lines.push(report.violations.length === 0 ? "  no violations" : `  violations: ${JSON.stringify(kinds)}`);
  for (const violation of report.violations) {
    lines.push(
      `  ✗ ${violation.kind} [${[violation.platform, violation.account].filter(Boolean).join(" ")}] ${violation.marker ?? ""} ` +
        `target ${violation.targetId ?? "-"}${violation.at === undefined ? "" : ` at ${relative(violation.at)}`}`,
    );
    if (violation.product) lines.push(`      product: ${violation.product}`);
    lines.push(`      truth:   ${violation.truth.split("\n").join("\n               ")}`);
    for (const cause of violation.causes) lines.push(`      before:  ${cause}`);
  }
  return lines.join("\n");
}

/** Keeps the whole report (every violation, every fault tally) beside the test results. */
export async function saveReport(report: ChaosReport): Promise<string> {
  const directory = projectPath("test-results", "chaos");
  await mkdir(directory, { recursive: true });
  const file = path.join(directory, `seed-${report.seed}.json`);
  await writeFile(file, JSON.stringify(report, null, 2));
  return file;
}
