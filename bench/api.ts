/**
 * `npm run bench:api`: the API under load, against the server in processes of its own. Each
 * scenario is one request repeated: a phase at a steady rate (500 requests/s by default, evenly
 * spaced, latency counted from when each request was due: steady-rate.ts) whose p50/p99 are
 * printed beside the scenario's limit, then a phase at the highest rate the server sustains
 * (autocannon, one request in flight on each of 50 connections). CPU per request (the server
 * processes' own, read from /proc) and the load average are printed too: on a busy machine they
 * are the steadier figures.
 * Embedded (PGlite, one process); with TEST_DATABASE_URL also on PostgreSQL with two API
 * processes (requests spread over both) and a worker (health needs one).
 *
 * `--only TEXT` runs the scenarios whose name holds TEXT; `--profile DIR` writes each server
 * process's CPU profile there (open it in Chrome's DevTools, or list its top entries).
 * A scenario is one entry of `scenarios`: what it seeds, the request it repeats, its limit.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { connections, posts, postTargets, trackedLinks } from "../src/db/schema.js";
import type { Database } from "../src/db/client.js";
import { parseConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startRuntime } from "../src/runtime.js";
import { platformIds, type PlatformId } from "../src/platforms/profiles.js";
import { cpuMilliseconds, residentMegabytes } from "./process-stats.js";
import { steadyRate } from "./steady-rate.js";
import { HttpClient } from "../test/support/client.js";
import { testEnvironment } from "../test/support/app.js";
import { createOrganization, signUp } from "../test/support/factories.js";
import { createTestDatabase } from "../test/support/postgres.js";
import { startServerProcess, waitFor, type ServerProcess } from "../test/support/process.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    only: { type: "string" },
    profile: { type: "string" },
  },
});
const FIXED_RATE = Number(values.rate);
const PHASE_SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

/** What every scenario may read: a signed-in owner of an organization, and the seeded tables. */
export interface Seeded {
  db: Database;
  /** The app's address while seeding (the server processes listen elsewhere later). */
  client: HttpClient;
  organizationId: string;
  /** The owner's session cookie, valid against every server process on this database. */
  cookie: string;
  /** The organization's connected accounts, one per platform in turn. */
  accounts: { id: string; platform: PlatformId }[];
}

export interface Scenario {
  name: string;
  /** Rows the request reads, written before the server processes start. */
  setup?: (seeded: Seeded) => Promise<void>;
  path: string;
  headers: (seeded: Seeded) => Record<string, string>;
  /** The status class every answer must have (autocannon counts answers by class). */
  expected: "2xx" | "3xx";
  limit: { p99Ms: number; ratePerSecond: number };
}

const signedIn = (seeded: Seeded) => ({ cookie: seeded.cookie });
const LIMIT = { p99Ms: 10, ratePerSecond: FIXED_RATE };
const CONNECTED_ACCOUNTS = 9;
const LISTED_POSTS = 200;
const BENCH_LINK_CODE = "BenchLink001";

export const scenarios: Scenario[] = [
  {
    name: "GET /api/health",
    path: "/api/health",
    headers: () => ({}),
    expected: "2xx",
    limit: LIMIT,
  },
  {
    name: `GET /api/social-media/connections (${CONNECTED_ACCOUNTS} accounts)`,
    path: "/api/social-media/connections",
    headers: signedIn,
    expected: "2xx",
    limit: LIMIT,
  },
  {
    name: `GET /api/posts?limit=${LISTED_POSTS} (${LISTED_POSTS} posts)`,
    async setup({ db, organizationId, accounts }) {
      const publishedAt = new Date();
      const postRows = Array.from({ length: LISTED_POSTS }, (_, index) => ({
        id: randomUUID(),
        organizationId,
        content: `Bench post ${index}: a sentence or two of the length people post, with a link https://example.com/${index}`,
        status: "published" as const,
        scheduledAt: publishedAt,
      }));
      await db.insert(posts).values(postRows);
      await db.insert(postTargets).values(
        postRows.flatMap((post, index) =>
          [accounts[index % accounts.length]!, accounts[(index + 1) % accounts.length]!].map((account) => ({
            id: randomUUID(),
            organizationId,
            postId: post.id,
            connectionId: account.id,
            platform: account.platform,
            state: "published" as const,
            dueAt: publishedAt,
            publishedAt,
            remotePostId: `remote-${index}-${account.id}`,
            remoteUrl: `https://example.com/${index}`,
          })),
        ),
      );
    },
    path: `/api/posts?limit=${LISTED_POSTS}`,
    headers: signedIn,
    expected: "2xx",
    limit: LIMIT,
  },
  {
    // The limit: p99 under 5 ms at 500 requests/s embedded. A visitor's browser, so each
    // answer is also a click recorded (in memory, written in batches).
    name: "GET /l/{code} (a tracked link's redirect, its click recorded)",
    async setup({ db, organizationId, accounts }) {
      const account = accounts[0]!;
      const postId = randomUUID();
      const targetId = randomUUID();
      await db.insert(posts).values({ id: postId, organizationId, content: "Bench link", status: "published" });
      await db.insert(postTargets).values({
        id: targetId,
        organizationId,
        postId,
        connectionId: account.id,
        platform: account.platform,
        state: "published",
        dueAt: new Date(),
      });
      await db.insert(trackedLinks).values({
        id: randomUUID(),
        organizationId,
        code: BENCH_LINK_CODE,
        shortUrl: `https://bench.example/l/${BENCH_LINK_CODE}`,
        postId,
        targetId,
        connectionId: account.id,
        platform: account.platform,
        originalUrl: "https://example.com/landing",
        destinationUrl: `https://example.com/landing?utm_source=${account.platform}&utm_medium=social&utm_content=${postId}`,
      });
    },
    path: `/l/${BENCH_LINK_CODE}`,
    headers: () => ({ "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36" }),
    expected: "3xx",
    limit: { p99Ms: 5, ratePerSecond: FIXED_RATE },
  },
];

const chosen = values.only ? scenarios.filter((scenario) => scenario.name.includes(values.only!)) : scenarios;

/**
 * Seeds through an app started in this process on the same database, then stops it: an owner,
 * their organization with its accounts, and what each scenario adds.
 */
async function seed(env: Record<string, string>): Promise<Seeded & { stop(): Promise<void> }> {
  const config = parseConfig({ ...testEnvironment, ...env, LOG_LEVEL: "silent" });
  const runtime = await startRuntime({ config, role: "all", logger: createLogger("silent") });
  const client = new HttpClient(runtime.http!.url);
  await signUp(client);
  const organization = await createOrganization(client, "Bench API");
  const accounts = Array.from({ length: CONNECTED_ACCOUNTS }, (_, index) => ({
    id: randomUUID(),
    organizationId: organization.id,
    platform: platformIds[index % platformIds.length]!,
    externalId: `bench-${index}`,
    accountKind: "page",
    name: `Bench account ${index}`,
    status: "healthy" as const,
  }));
  await runtime.context.db.insert(connections).values(accounts);
  const seeded = {
    db: runtime.context.db,
    client,
    organizationId: organization.id,
    cookie: `msid=${client.cookie("msid")}`,
    accounts,
  };
  for (const scenario of chosen) await scenario.setup?.(seeded);
  return { ...seeded, stop: () => runtime.stop() };
}

/** Autocannon spreads its connections over several URLs (its lib/url.js); its published types name one. */
function targets(scenario: Scenario, urls: URL[]): string {
  return urls.map((url) => new URL(scenario.path, url).toString()) as unknown as string;
}

interface Phase {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  unexpected: number;
  cpuPerRequestMs: number;
}

async function serverCpu(pids: number[]): Promise<number> {
  return (await Promise.all(pids.map(cpuMilliseconds))).reduce((sum, value) => sum + value, 0);
}

/** Requests at the scenario's rate, evenly spaced (see steady-rate.ts for why not autocannon's rate). */
async function steadyPhase(scenario: Scenario, seeded: Seeded, servers: { urls: URL[]; pids: number[] }) {
  const cpuBefore = await serverCpu(servers.pids);
  const result = await steadyRate({
    urls: servers.urls.map((url) => new URL(scenario.path, url)),
    headers: scenario.headers(seeded),
    rate: scenario.limit.ratePerSecond,
    seconds: PHASE_SECONDS,
  });
  const cpu = (await serverCpu(servers.pids)) - cpuBefore;
  return {
    requests: result.sent,
    perSecond: result.perSecond,
    p50: result.p50,
    p99: result.p99,
    max: result.max,
    shed: result.shed,
    unexpected: result.sent - (result.byClass[scenario.expected] ?? 0),
    cpuPerRequestMs: cpu / Math.max(result.sent, 1),
  };
}

/** As many requests as the server answers, one in flight per connection. */
async function highestRatePhase(
  scenario: Scenario,
  seeded: Seeded,
  servers: { urls: URL[]; pids: number[] },
): Promise<Phase> {
  const cpuBefore = await serverCpu(servers.pids);
  const result = await autocannon({
    url: targets(scenario, servers.urls),
    headers: scenario.headers(seeded),
    connections: CONNECTIONS,
    duration: PHASE_SECONDS,
  });
  const cpu = (await serverCpu(servers.pids)) - cpuBefore;
  const answered = result[scenario.expected];
  return {
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    unexpected: result.requests.total - answered + result.errors + result.timeouts,
    cpuPerRequestMs: cpu / Math.max(result.requests.total, 1),
  };
}

async function runScenarios(label: string, seeded: Seeded, servers: { urls: URL[]; pids: number[] }) {
  console.log(
    `${label} — ${CONNECTIONS} connections, ${PHASE_SECONDS} s a phase; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );
  for (const scenario of chosen) {
    const check = await fetch(new URL(scenario.path, servers.urls[0]), {
      headers: scenario.headers(seeded),
      redirect: "manual",
    });
    if (`${String(check.status)[0]}xx` !== scenario.expected)
      throw new Error(`${scenario.name} answered ${check.status}: ${await check.text()}`);
    // A short warm-up, so the first phase does not pay for compiling the route.
    await autocannon({
      url: targets(scenario, servers.urls),
      headers: scenario.headers(seeded),
      connections: CONNECTIONS,
      amount: 500,
    });
    const fixed = await steadyPhase(scenario, seeded, servers);
    const highest = await highestRatePhase(scenario, seeded, servers);
    const within = fixed.p99 <= scenario.limit.p99Ms && fixed.perSecond >= scenario.limit.ratePerSecond * 0.95;
    console.log(`  ${scenario.name}`);
    console.log(
      `    at ${scenario.limit.ratePerSecond}/s: ${fixed.perSecond.toFixed(0)}/s served, p50 ${fixed.p50.toFixed(1)} ms, p99 ${fixed.p99.toFixed(1)} ms, max ${fixed.max.toFixed(0)} ms — limit p99 ${scenario.limit.p99Ms} ms: ${within ? "within" : "OVER"}; CPU ${fixed.cpuPerRequestMs.toFixed(2)} ms a request`,
    );
    console.log(
      `    highest rate: ${highest.perSecond.toFixed(0)}/s, p50 ${highest.p50} ms, p99 ${highest.p99} ms; CPU ${highest.cpuPerRequestMs.toFixed(2)} ms a request`,
    );
    if (fixed.shed > 0)
      console.log(
        `    ${fixed.shed} of the steady phase's requests not sent: a second's worth were already waiting (the server had fallen behind)`,
      );
    const unexpected = fixed.unexpected + highest.unexpected;
    if (unexpected > 0) console.log(`    ${unexpected} answers were not ${scenario.expected} or failed`);
  }
  for (const pid of servers.pids)
    console.log(
      `  resident memory of server process ${pid} afterwards: ${(await residentMegabytes(pid)).toFixed(0)} MiB`,
    );
}

async function untilHealthy(url: URL) {
  await waitFor(
    async () => ((await fetch(new URL("/api/health", url))).status === 200 ? true : undefined),
    60_000,
    "a healthy server",
  );
}

async function runOn(label: string, env: Record<string, string>, roles: string[][]) {
  const seeded = await seed(env);
  await seeded.stop();
  const serverEnv = { ...env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" };
  const profiler = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values.profile)}`] : [];
  const processes: ServerProcess[] = roles.map((args) => startServerProcess(args, serverEnv, profiler));
  try {
    const apiProcesses = processes.filter((_, index) => roles[index]![1] !== "worker");
    const urls = await Promise.all(apiProcesses.map((server) => server.url));
    await Promise.all(urls.map(untilHealthy));
    await runScenarios(label, seeded, { urls, pids: processes.map((server) => server.child.pid!) });
  } finally {
    await Promise.all(processes.map((server) => server.stop()));
  }
}

const encryptionKey = { FIELD_ENCRYPTION_KEY: "ab".repeat(32) };
{
  const dataDir = await mkdtemp(path.join(tmpdir(), "marketsage-bench-api-"));
  try {
    await runOn("Embedded (PGlite, one process)", { ...encryptionKey, DATA_DIR: dataDir }, [[]]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
if (process.env.TEST_DATABASE_URL) {
  const database = await createTestDatabase();
  try {
    await runOn("PostgreSQL, two API processes and a worker", { ...encryptionKey, DATABASE_URL: database.url }, [
      ["--role", "api"],
      ["--role", "api"],
      ["--role", "worker"],
    ]);
  } finally {
    await database.drop();
  }
} else {
  console.log("PostgreSQL run skipped: set TEST_DATABASE_URL (bash .ci/postgres prints one)");
}
