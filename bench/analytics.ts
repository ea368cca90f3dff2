/**
 * `npm run bench:analytics`: one year of analytics for an organization with 50 accounts and
 * 20,000 posts, seeded straight into the tables, then GET /api/analytics over the whole year
 * timed over real HTTP: p50 and p99 printed beside the 50 ms limit. Embedded (PGlite); with
 * TEST_DATABASE_URL also on PostgreSQL (a fresh database on that server). `--profile DIR` writes a
 * CPU profile of each run's timed requests there.
 * Collection is measured apart, over HTTP against the sandbox: `npm run bench:collection`.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { refreshPlatformRollups, refreshPostRollups } from "../src/analytics/rollups.js";
import { platforms } from "../src/platforms/index.js";
import { platformIds, type PlatformId } from "../src/platforms/profiles.js";
import type { Database } from "../src/db/client.js";
import {
  accountDayRow,
  connectionRow,
  insertAnalyticsRows,
  publishedPostRows,
} from "../test/support/analytics-rows.js";
import { startTestApp } from "../test/support/app.js";
import { createOrganization, signUp } from "../test/support/factories.js";
import { backends } from "../test/support/postgres.js";

const { values } = parseArgs({
  options: {
    accounts: { type: "string", default: "50" },
    posts: { type: "string", default: "20000" },
    requests: { type: "string", default: "200" },
    /** A folder to write a CPU profile of each run's timed requests to (not of the seeding). */
    profile: { type: "string" },
  },
});
const ACCOUNTS = Number(values.accounts);
const POSTS = Number(values.posts);
const REQUESTS = Number(values.requests);
const LIMIT_MS = 50;
const DAY = 86_400_000;

const measured = platformIds.filter((id) => platforms[id].analytics);
/** A stable pseudo-random sequence, so every run seeds the same data. */
function sequence(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function seed(db: Database, organizationId: string, now: number) {
  const random = sequence(7);
  const accounts = Array.from({ length: ACCOUNTS }, (_, index) =>
    connectionRow(
      organizationId,
      measured[index % measured.length] ?? platformIds[index % platformIds.length]!,
      `bench-${index}`,
    ),
  );
  const postRows = Array.from({ length: POSTS }, (_, index) => {
    const account = accounts[index % accounts.length]!;
    const publishedAt = new Date(now - Math.floor(random() * 365 * DAY));
    const { provides } = platforms[account.platform].analytics ?? { provides: { post: [] as string[] } };
    const has = (metric: string) => provides.post.includes(metric as never);
    const views = Math.floor(random() * 10_000);
    return publishedPostRows(account, {
      label: String(index),
      publishedAt,
      fetchedAt: new Date(Math.min(now, publishedAt.getTime() + 90 * DAY)),
      values: {
        views: has("views") ? views : null,
        reach: has("reach") ? Math.floor(views * 0.7) : null,
        reactions: has("reactions") ? Math.floor(views * 0.05) : null,
        comments: has("comments") ? Math.floor(views * 0.01) : null,
        shares: has("shares") ? Math.floor(views * 0.005) : null,
        saves: has("saves") ? Math.floor(views * 0.004) : null,
        clicks: has("clicks") ? Math.floor(views * 0.02) : null,
      },
    });
  });
  const dayRows = accounts.flatMap((account) =>
    Array.from({ length: 365 }, (_, day) => new Date(now - day * DAY).toISOString().slice(0, 10)).flatMap((day) =>
      (platforms[account.platform].analytics?.provides.account ?? []).map((metric) =>
        accountDayRow(account, { day, metric, value: Math.floor(random() * 1_000), fetchedAt: new Date(now) }),
      ),
    ),
  );
  await insertAnalyticsRows(db, { accounts, posts: postRows, days: dayRows });
  // What the collector keeps as it stores values: each day's and month's sums.
  await refreshPostRollups(db, { organizationId });
  await refreshPlatformRollups(db, { organizationId });
  return { snapshots: postRows.reduce((sum, entry) => sum + entry.snapshots.length, 0), days: dayRows.length };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)] ?? 0;
}

async function run(label: string, backend: (typeof backends)[number]) {
  // An API process with no worker in it: the worker's pollers would add their time to every request's CPU figure.
  const app = await startTestApp({ backend, role: "api", env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000" } });
  try {
    const client = app.client();
    await signUp(client);
    const organization = await createOrganization(client, "Bench Analytics");
    const now = app.runtime.context.clock.now();
    const seedStarted = performance.now();
    const seeded = await seed(app.runtime.context.db, organization.id, now);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const today = new Date(now).toISOString().slice(0, 10);
    const yearAgo = new Date(now - 364 * DAY).toISOString().slice(0, 10);
    const path = `/api/analytics?start=${yearAgo}&end=${today}`;
    // The keep-alive connection sat idle through the seeding, and the server may have closed it.
    await client.get("/api/health").catch(() => undefined);
    const first = await client.get(path);
    if (first.status !== 200) throw new Error(`the report failed: ${JSON.stringify(first.body)}`);
    for (let index = 0; index < 20; index += 1) await client.get(path);
    const profiler = values.profile ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    const durations: number[] = [];
    // The app runs in this process: its CPU time per request is the figure the machine's load does not inflate.
    const cpuBefore = process.cpuUsage();
    for (let index = 0; index < REQUESTS; index += 1) {
      const started = performance.now();
      const answer = await client.get(path);
      durations.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`the report failed: ${answer.status}`);
    }
    const cpu = process.cpuUsage(cpuBefore);
    if (profiler) {
      const { profile } = await profiler.post("Profiler.stop");
      await writeFile(`${values.profile}/analytics-${backend.name}.cpuprofile`, JSON.stringify(profile));
      profiler.disconnect();
    }
    const cpuPerRequest = (cpu.user + cpu.system) / 1000 / REQUESTS;
    // What every signed-in request pays before any route's work (the session, the organization, the role).
    const floorBefore = process.cpuUsage();
    for (let index = 0; index < REQUESTS; index += 1) await client.get("/api/organizations");
    const floor = process.cpuUsage(floorBefore);
    const floorPerRequest = (floor.user + floor.system) / 1000 / REQUESTS;
    durations.sort((a, b) => a - b);
    const p50 = percentile(durations, 0.5);
    const p99 = percentile(durations, 0.99);
    console.log(
      `${label}: ${ACCOUNTS} accounts, ${POSTS} posts, ${seeded.snapshots} snapshots, ${seeded.days} account days (seeded in ${seedSeconds.toFixed(1)} s)`,
    );
    console.log(
      `  GET /api/analytics (one year, ${REQUESTS} requests): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms — limit ${LIMIT_MS} ms: ${p99 <= LIMIT_MS ? "within" : "OVER"}`,
    );
    console.log(
      `  CPU per request (server and client, this process): ${cpuPerRequest.toFixed(1)} ms, of which a signed-in GET /api/organizations takes ${floorPerRequest.toFixed(1)} ms; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    );
    console.log(`  the year's total reach: ${first.body.total.totalReach}, posts: ${first.body.total.posts}`);
  } finally {
    await app.stop();
  }
}

for (const backend of backends) {
  if (backend.skip) {
    console.log(`${backend.name} run skipped: ${backend.skip}`);
    continue;
  }
  await run(backend.name === "pglite" ? "Embedded (PGlite)" : "PostgreSQL", backend);
}
const platformNames = (ids: PlatformId[]) => ids.map((id) => platforms[id].name).join(", ");
console.log(`Platforms measuring in this build: ${platformNames(measured)}`);
