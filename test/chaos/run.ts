import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { PublishedItem } from "../../sandbox/state.js";
import { freePort } from "../support/ports.js";
import { waitFor } from "../support/process.js";
import { startPostgresCluster } from "./cluster.js";
import { Fleet, startSandboxProcess } from "./fleet.js";
import { accountsOf, checkTargets, type Violation } from "./invariants.js";
import { collectFaultJournal, runPlatformLane, runProcessLane } from "./lanes.js";
import { connectionViolations, createAll, drain, readOutcomes, reviseAll } from "./observe.js";
import { Random } from "./random.js";
import { causesOf, figuresOf, tallyFaults, type ChaosReport } from "./report.js";
import { planSchedule } from "./schedule.js";
import { planWorkload } from "./workload.js";
import { createOrganizationWorld, platformEnvironment, registerApp } from "./world.js";

export interface ChaosOptions {
  seed: number;
  /** Publication targets to create (each post × each of its accounts). */
  targets: number;
  /** How long faults are injected. */
  chaosMs: number;
  /** Mean time between platform faults. */
  faultIntervalMs: number;
  /** How long, once faults stop, every target has to settle. */
  drainTimeoutMs: number;
  log: (line: string) => void;
  /** Aborting it tears everything down at once and fails the run. */
  signal?: AbortSignal;
}

/** The version inside `npm test`: about 300 targets, 35 s of faults, bounded to a few minutes. */
export const shortMode = { targets: 300, chaosMs: 35_000, faultIntervalMs: 400, drainTimeoutMs: 90_000 };

/** The product's settings for the run: short timeouts and sweeps, so recovery fits in the test's time. */
const productSettings = {
  /** A hung platform call is abandoned after this (PLATFORM_TIMEOUT_MS). */
  platformTimeoutMs: 2_000,
  heartbeatIntervalMs: 500,
  workerStaleAfterMs: 4_000,
  stuckAfterSeconds: 20,
  sweepSeconds: 5,
};

/** /api/health may stay green this long after the last worker died, and no longer. */
const healthDetectionBoundMs = productSettings.workerStaleAfterMs + 2_000;

/** The end of what a dead process printed: its log lines as message and error, then any uncaught error. */
function lastWords(output: string): string {
  const readable = (line: string) => {
    if (!line.startsWith("{")) return line;
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      return `log: ${entry.msg ?? ""}${entry.err?.message ? ` (${entry.err.message})` : ""}`;
    } catch {
      return undefined;
    }
  };
  return output
    .split("\n")
    .slice(1) // the tail starts mid-line
    .filter((line) => line.trim())
    .map(readable)
    .filter((line) => line !== undefined)
    .slice(-14)
    .join("\n");
}

/** Connections have this long after the faults stop to be healthy again (the health sweep runs every minute). */
const CONNECTION_RECOVERY_MS = 100_000;

/**
 * One chaos run, start to finish: a PostgreSQL cluster, the sandbox and the product's processes
 * of its own; two organizations and the seeded workload; the seeded faults; the drain; the
 * invariants against the sandbox's record. Everything is torn down, whatever happens.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const workloadRandom = new Random(options.seed);
  const scheduleRandom = new Random((options.seed ^ 0x9e3779b9) >>> 0);
  const cleanups: (() => Promise<unknown>)[] = [];
  // Stops the lanes and the journal reader when the run ends early, so nothing outlives it.
  const halt = new AbortController();
  let tornDown: Promise<void> | undefined;
  const cleanUp = async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  };
  const tearDown = () =>
    (tornDown ??= (async () => {
      halt.abort();
      await cleanUp();
    })());
  // Interrupted (Ctrl-C on the long run): everything started goes at once, and the run fails.
  const interrupted = new Promise<never>((_resolve, reject) =>
    options.signal?.addEventListener("abort", () => void tearDown().then(() => reject(new Error("interrupted")))),
  );
  interrupted.catch(() => undefined);
  const guard = <T>(work: Promise<T>) => Promise.race([work, interrupted]);
  let started: Fleet | undefined;
  try {
    const cluster = await startPostgresCluster();
    cleanups.push(() => cluster.destroy());
    // Real limits are far below what a few minutes of hundreds of posts need; faults bring the 429s.
    // Processing long enough that Instagram and LinkedIn are checked again by later jobs, short
    // enough that X's in-call waits for its video do not outlast the drain.
    const sandbox = await startSandboxProcess([
      "--rate-limit-scale",
      "1000",
      "--video-processing-seconds",
      "3",
      "--image-processing-seconds",
      "1",
    ]);
    cleanups.push(() => sandbox.stop());
    const dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-chaos-data-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const apiPort = await freePort();
    const fleet = new Fleet(
      {
        ...platformEnvironment(sandbox),
        NODE_ENV: "test",
        LOG_LEVEL: "warn",
        HOST: "127.0.0.1",
        PORT: String(apiPort),
        // Workers build the media URLs Meta and Telegram fetch, so the API keeps one address.
        PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
        DATA_DIR: dataDir,
        DATABASE_URL: cluster.databaseUrl,
        FIELD_ENCRYPTION_KEY: "c4".repeat(32),
        LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000",
        QUEUE_POLLING_INTERVAL_SECONDS: "0.5",
        WORKER_HEARTBEAT_INTERVAL_MS: String(productSettings.heartbeatIntervalMs),
        WORKER_STALE_AFTER_MS: String(productSettings.workerStaleAfterMs),
        PUBLISH_STUCK_AFTER_SECONDS: String(productSettings.stuckAfterSeconds),
        PUBLISH_SWEEP_SECONDS: String(productSettings.sweepSeconds),
        PLATFORM_TIMEOUT_MS: String(productSettings.platformTimeoutMs),
        CONNECTION_HEALTH_CHECK_MINUTES: "1",
      },
      (incident) =>
        log(
          `  ! ${incident.name} exited on its own (code ${incident.exitCode}, signal ${incident.signal}); restarting it`,
        ),
    );
    started = fleet;
    cleanups.push(() => fleet.stopAll());
    const apiUrl = await fleet.startApi();
    fleet.start("worker-1");
    fleet.start("worker-2");
    await registerApp(sandbox, apiUrl);
    const organizations = [await createOrganizationWorld(apiUrl, 0), await createOrganizationWorld(apiUrl, 1)];
    await waitFor(
      async () => ((await fetch(new URL("/api/health", apiUrl))).ok ? true : undefined),
      30_000,
      "a healthy start",
    );

    const plan = planWorkload(workloadRandom, { targets: options.targets, scheduleWindowMs: options.chaosMs * 0.7 });
    const schedule = planSchedule(scheduleRandom, {
      durationMs: options.chaosMs,
      faultIntervalMs: options.faultIntervalMs,
      bothWorkersDownMs: healthDetectionBoundMs + 3_000,
    });
    const runStartedAt = Date.now();
    log(
      `seed ${options.seed}: ${plan.length} posts, ${plan.reduce((sum, post) => sum + post.platforms.length, 0)} targets, ` +
        `${schedule.platformEvents.length} platform events, ${schedule.processEvents.length} process events over ${options.chaosMs / 1000} s`,
    );

    const journal = collectFaultJournal(sandbox, halt.signal);
    const platformLane = runPlatformLane({
      sandbox,
      events: schedule.platformEvents,
      startedAt: runStartedAt,
      signal: halt.signal,
    });
    // Awaited below; until then a failure must not count as unhandled.
    platformLane.catch(() => undefined);
    journal.done.catch(() => undefined);
    const posts = await createAll(organizations, plan);
    const refusedEdits = await reviseAll(organizations, posts);
    log(
      `  created ${posts.length} posts in ${Date.now() - runStartedAt} ms; ` +
        `cancelled ${posts.filter((post) => post.cancelled).length}, edited ${posts.filter((post) => post.supersededMarkers.length).length}`,
    );
    const processLane = runProcessLane({
      events: schedule.processEvents,
      fleet,
      cluster,
      apiUrl,
      startedAt: Date.now(),
      healthBoundMs: healthDetectionBoundMs,
      signal: halt.signal,
      log,
    });
    const [platformResult, processResult] = await guard(Promise.all([platformLane, processLane]));
    const rules = (await sandbox.control<{ faults: { id: number; fired: number }[] }>("/faults")).faults;
    await sandbox.control("/faults", undefined, "DELETE");
    const faultsStoppedAt = Date.now();
    log(`  faults stopped after ${Math.round((faultsStoppedAt - runStartedAt) / 1000)} s; draining`);

    const database = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 });
    database.on("error", () => undefined);
    cleanups.push(() => database.end());
    const { drainMs, connectionsHealthyAfterMs } = await guard(
      drain({
        database,
        organizations,
        faultsStoppedAt,
        timeoutMs: options.drainTimeoutMs,
        connectionRecoveryMs: CONNECTION_RECOVERY_MS,
        log,
      }),
    );
    journal.stop();
    const faultEntries = await journal.done;

    // The API may be coming back from a crash of its own.
    await waitFor(
      async () => ((await fetch(new URL("/api/health", apiUrl))).status ? true : undefined),
      60_000,
      "the API",
    );
    const outcomes = await readOutcomes(database, organizations, posts);
    const items = (await sandbox.control<{ items: PublishedItem[] }>("/published")).items;
    const refusedRequests = (
      await sandbox.control<{ violations: { method: string; path: string; violation: string }[] }>("/contract")
    ).violations;
    const violations: Violation[] = [
      ...checkTargets({
        outcomes,
        items,
        markerPrefix: `chaos-${options.seed.toString(36)}-`,
        accounts: accountsOf(organizations),
        supersededMarkers: new Set(posts.flatMap((post) => post.supersededMarkers)),
        runStartedAt,
      }),
      ...refusedEdits,
      ...(await connectionViolations(organizations)),
      ...processResult.violations,
      ...refusedRequests.map((refused): Violation => ({
        kind: "contract-refused",
        product: `${refused.method} ${refused.path}`,
        truth: refused.violation,
      })),
      // Failing to start while the database is away is what a process should do: exit, and
      // be started again. Dying while running is not.
      ...fleet.incidents
        .filter((incident) => !incident.duringStart)
        .map((incident): Violation => ({
          kind: "process-died",
          platform: incident.name,
          product: `exit code ${incident.exitCode}, signal ${incident.signal}`,
          truth: `exited without being killed; its last words:\n${lastWords(incident.outputTail)}`,
          at: incident.at,
        })),
    ];
    return {
      seed: options.seed,
      settings: {
        targets: options.targets,
        chaosMs: options.chaosMs,
        faultIntervalMs: options.faultIntervalMs,
        drainTimeoutMs: options.drainTimeoutMs,
      },
      posts: posts.length,
      targets: outcomes.length,
      outcomes: outcomes.reduce<Record<string, Record<string, number>>>((counts, outcome) => {
        const platform = (counts[outcome.platform] ??= {});
        platform[outcome.state] = (platform[outcome.state] ?? 0) + 1;
        return counts;
      }, {}),
      faults: tallyFaults(platformResult.armed, rules),
      expiries: platformResult.expiries,
      processes: processResult.records,
      incidents: fleet.incidents,
      healthProbes: processResult.healthProbes,
      healthBoundMs: healthDetectionBoundMs,
      drainMs,
      connectionsHealthyAfterMs,
      violations: violations.map((violation) => ({
        ...violation,
        causes: causesOf(violation, {
          runStartedAt,
          faultEntries,
          processes: processResult.records,
          accounts: [...accountsOf(organizations)].map((key) => key.split("|")[1]!),
        }),
      })),
      figures: figuresOf(violations),
      runStartedAt,
    };
  } catch (error) {
    if (started && !options.signal?.aborted)
      log(`the product's processes said, before the run failed:\n${started.outputs()}`);
    throw error;
  } finally {
    await tearDown();
    // Anything started while an interruption was tearing down.
    await cleanUp();
  }
}
