import { setTimeout as delay } from "node:timers/promises";
import type { JournalEntry } from "../../sandbox/state.js";
import { waitFor } from "../support/process.js";
import type { PostgresCluster } from "./cluster.js";
import type { Fleet, ProcessName, SandboxProcess } from "./fleet.js";
import type { Violation } from "./invariants.js";
import type { ChaosEvent, FaultRequest, ProcessAction } from "./schedule.js";

/** How often the journal and, while both workers are down, /api/health are read. */
const POLL_MS = 200;

/** Waits for a moment of the schedule; answers false when the run was halted meanwhile. */
const until = (time: number, signal?: AbortSignal) =>
  delay(Math.max(0, time - Date.now()), true, { signal }).catch(() => false);

export interface ArmedFault extends FaultRequest {
  at: number;
  platform: string;
  ruleId: number;
}

/** Arms each platform fault and expires each grant at its time. */
export async function runPlatformLane(options: {
  sandbox: SandboxProcess;
  events: ChaosEvent[];
  startedAt: number;
  signal: AbortSignal;
}): Promise<{ armed: ArmedFault[]; expiries: number }> {
  const { sandbox } = options;
  const armed: ArmedFault[] = [];
  let expiries = 0;
  for (const event of options.events) {
    if (!(await until(options.startedAt + event.at, options.signal))) break;
    if (event.kind === "fault") {
      const rule = await sandbox.control<{ id: number }>("/faults", event.fault);
      armed.push({ ...event.fault, at: Date.now(), platform: event.platform, ruleId: rule.id });
    } else if (event.kind === "expire") {
      await sandbox.control("/expire", { platform: event.platform, personId: event.personId });
      expiries += 1;
    }
  }
  return { armed, expiries };
}

/** Every call the sandbox answered with a fault, read as it happens (the journal keeps only the latest calls). */
export function collectFaultJournal(sandbox: SandboxProcess, signal: AbortSignal) {
  const entries: JournalEntry[] = [];
  let stopped = false;
  const readNew = async () => {
    const page = await sandbox.control<{ entries: JournalEntry[] }>(
      `/journal?faulted=true&after=${entries.at(-1)?.seq ?? 0}`,
    );
    entries.push(...page.entries);
  };
  const done = (async () => {
    while (!stopped && !signal.aborted) {
      await readNew();
      await until(Date.now() + POLL_MS, signal);
    }
    if (!signal.aborted) await readNew();
    return entries;
  })();
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

export interface ProcessRecord {
  at: number;
  action: ProcessAction;
  detail: string;
}

export interface HealthProbe {
  afterKillMs: number;
  status: number;
}

/** Answers /api/health's status, or undefined when the API does not answer. */
async function healthStatus(apiUrl: URL): Promise<number | undefined> {
  try {
    const answer = await fetch(new URL("/api/health", apiUrl), { signal: AbortSignal.timeout(1_000) });
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return undefined;
  }
}

/**
 * Kills and restarts, one after the other. While both workers are dead, /api/health is probed:
 * after `healthBoundMs` it must not be green.
 */
export async function runProcessLane(options: {
  events: Extract<ChaosEvent, { kind: "process" }>[];
  fleet: Fleet;
  cluster: PostgresCluster;
  apiUrl: URL;
  startedAt: number;
  healthBoundMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}): Promise<{ records: ProcessRecord[]; healthProbes: HealthProbe[]; violations: Violation[] }> {
  const { fleet, apiUrl } = options;
  const records: ProcessRecord[] = [];
  const healthProbes: HealthProbe[] = [];
  const violations: Violation[] = [];
  const record = (action: ProcessAction, detail: string) => {
    records.push({ at: Date.now(), action, detail });
    options.log(`  ${action}: ${detail}`);
  };
  const apiAnswers = () =>
    waitFor(async () => ((await healthStatus(apiUrl)) ? true : undefined), 60_000, "the API to answer again");

  for (const event of options.events) {
    if (!(await until(options.startedAt + event.at, options.signal))) break;
    switch (event.action) {
      case "kill-worker": {
        const name: ProcessName = `worker-${event.worker}`;
        await fleet.kill(name);
        record(event.action, `${name} killed, back in ${event.downMs} ms`);
        await delay(event.downMs);
        fleet.start(name);
        break;
      }
      case "kill-both-workers": {
        await Promise.all([fleet.kill("worker-1"), fleet.kill("worker-2")]);
        const killedAt = Date.now();
        record(event.action, `both workers killed for ${event.downMs} ms; probing /api/health`);
        const probes: HealthProbe[] = [];
        while (Date.now() < killedAt + event.downMs) {
          const status = await healthStatus(apiUrl);
          if (status !== undefined) probes.push({ afterKillMs: Date.now() - killedAt, status });
          await delay(POLL_MS);
        }
        healthProbes.push(...probes);
        const green = probes.filter((probe) => probe.status === 200 && probe.afterKillMs > options.healthBoundMs);
        if (green.length > 0)
          violations.push({
            kind: "health-green-without-worker",
            product: `200 at ${green.map((probe) => `${probe.afterKillMs} ms`).join(", ")} after the last worker died`,
            truth: `no worker process alive; allowed ${options.healthBoundMs} ms to notice`,
            at: killedAt,
          });
        fleet.start("worker-1");
        fleet.start("worker-2");
        break;
      }
      case "kill-api": {
        await fleet.kill("api");
        record(event.action, `API killed, back in ${event.downMs} ms`);
        await delay(event.downMs);
        fleet.start("api");
        await apiAnswers();
        break;
      }
      case "restart-database-fast":
      case "restart-database-immediate": {
        const mode = event.action === "restart-database-fast" ? "fast" : "immediate";
        const downMs = await options.cluster.restart(mode);
        record(event.action, `pg_ctl restart -m ${mode}: ${downMs} ms`);
        break;
      }
    }
  }
  await apiAnswers();
  return { records, healthProbes, violations };
}
