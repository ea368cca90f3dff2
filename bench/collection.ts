/**
 * `npm run bench:collection`: metrics collected over real HTTP from the sandbox for about 1,000
 * accounts and 50,000 recent posts. The sandbox makes a world of people (each with an account on
 * every platform, and posts published over the last 90 days); every account is connected through
 * the product's own consent flow, in ten organizations, and the posts are stored as the product
 * publishes them. Then, on a clock moved forward rather than waited out:
 * 1. the first collection, everything due at once (each account's history and every post);
 * 2. `--hours` of steady collection in one-minute steps, each drained before the next.
 * Printed: wall time against the time simulated, calls per platform per hour, and the calls the
 * platforms refused (a spent budget shows there). Embedded (PGlite); with TEST_DATABASE_URL on
 * PostgreSQL instead (`--backend postgres`).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { ensureSchedules } from "../src/analytics/schedule.js";
import { analyticsSchedule, connections as connectionsTable, posts, postTargets } from "../src/db/schema.js";
import { queues } from "../src/jobs/queue.js";
import { platforms } from "../src/platforms/index.js";
import { connectThroughConsent, startAppWithSandbox } from "../test/connections/support.js";
import { HttpClient } from "../test/support/client.js";
import { createOrganization, signUp } from "../test/support/factories.js";
import { backends } from "../test/support/postgres.js";
import { json, startSandbox, type RunningSandbox } from "../test/sandbox/support.js";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "143" },
    "posts-per-account": { type: "string", default: "59" },
    organizations: { type: "string", default: "10" },
    hours: { type: "string", default: "1" },
    backend: { type: "string", default: "pglite" },
  },
});
const PEOPLE = Number(values.people);
const POSTS_PER_ACCOUNT = Number(values["posts-per-account"]);
const ORGANIZATIONS = Number(values.organizations);
const HOURS = Number(values.hours);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const backend = backends.find((candidate) => candidate.name === values.backend);
if (!backend) throw new Error(`--backend is pglite or postgres`);
if (backend.skip) throw new Error(backend.skip);

type Calls = Record<string, { calls: number; refused: number; faulted: number }>;
type Refusal = { seq: number; platform: string; method: string; path: string; status: number; refusal?: string };
type CallLog = { calls: Calls; refusals: Refusal[] };
/** Rows of a raw statement, whichever driver answered it. */
const rowsOf = (result: unknown): unknown[] =>
  Array.isArray(result) ? result : ((result as { rows: unknown[] }).rows ?? []);
const sandboxCalls = async (sandbox: RunningSandbox): Promise<CallLog> =>
  json(await fetch(`${sandbox.url}_sandbox/calls`));
const callsBetween = (before: CallLog, after: CallLog): CallLog => ({
  calls: Object.fromEntries(
    Object.entries(after.calls).map(([platform, counts]) => [
      platform,
      {
        calls: counts.calls - (before.calls[platform]?.calls ?? 0),
        refused: counts.refused - (before.calls[platform]?.refused ?? 0),
        faulted: counts.faulted - (before.calls[platform]?.faulted ?? 0),
      },
    ]),
  ),
  refusals: after.refusals.filter((refusal) => refusal.seq > (before.refusals.at(-1)?.seq ?? 0)),
});

// Meta's platform rate limit for an app is 200 calls an hour times its users
// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/#platform-rate-limits).
const sandbox = await startSandbox({ limits: { facebookAppCallsPerHour: 200 * PEOPLE * 2 } });
const made = await fetch(`${sandbox.url}_sandbox/world`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ people: PEOPLE, postsPerAccount: POSTS_PER_ACCOUNT, spreadDays: 90 }),
});
assert.equal(made.status, 201, await made.clone().text());
const world = (await json(made)).people as { id: string; telegram: { botToken: string; chat: string } }[];
const { app, clock, passTime } = await startAppWithSandbox({
  sandbox,
  backend,
  // The queue polls as a deployment's does by default, not at the test suite's pace.
  env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "100000", QUEUE_POLLING_INTERVAL_SECONDS: "2" },
});
const { context } = app.runtime;

try {
  const connectStarted = performance.now();
  const admins: HttpClient[] = [];
  for (let index = 0; index < ORGANIZATIONS; index += 1) {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin, `Collection ${index + 1}`);
    admins.push(admin);
  }
  const channelOf = (personId: string) => `UCbulk${personId.replace("bulk", "").padStart(18, "0")}`;
  const connectPerson = async (person: (typeof world)[number], index: number) => {
    const admin = admins[index % admins.length]!;
    for (const platform of ["facebook", "instagram", "x", "tiktok"])
      await connectThroughConsent(admin, platform, { identity: person.id });
    await connectThroughConsent(admin, "linkedin", { identity: person.id, variant: "pages" });
    await connectThroughConsent(admin, "youtube", { identity: `${person.id}:${channelOf(person.id)}` });
    const bot = await admin.post("/api/social-media/bot/telegram", person.telegram);
    assert.equal(bot.status, 201, JSON.stringify(bot.body));
  };
  for (let index = 0; index < world.length; index += 8)
    await Promise.all(world.slice(index, index + 8).map((person, offset) => connectPerson(person, index + offset)));
  const connections = await context.db
    .select({
      id: connectionsTable.id,
      organizationId: connectionsTable.organizationId,
      platform: connectionsTable.platform,
      externalId: connectionsTable.externalId,
      status: connectionsTable.status,
    })
    .from(connectionsTable);
  const unhealthy = connections.filter((connection) => connection.status !== "healthy");
  assert.equal(unhealthy.length, 0, `connections not healthy: ${JSON.stringify(unhealthy.slice(0, 3))}`);
  const connectSeconds = (performance.now() - connectStarted) / 1000;

  // The worker's sweep may start reading as soon as schedules exist: the first collection counts from here.
  const firstBefore = await sandboxCalls(sandbox);
  const firstStarted = performance.now();
  // What the product keeps of a post it published: the post, and its account's target with the platform's id.
  const seedStarted = performance.now();
  let stored = 0;
  for (const platform of ["facebook", "instagram", "x", "linkedin", "youtube", "tiktok"] as const) {
    const items = (await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`))).items as {
      id: string;
      accountId: string;
      createdAt: number;
      url: string;
    }[];
    const byAccount = new Map<string, typeof items>();
    for (const item of items) byAccount.set(item.accountId, [...(byAccount.get(item.accountId) ?? []), item]);
    const rows = connections
      .filter((connection) => connection.platform === platform)
      .flatMap((connection) => {
        const own = [...byAccount.entries()].find(
          ([accountId]) => accountId === connection.externalId || accountId.endsWith(`:${connection.externalId}`),
        )?.[1];
        return (own ?? []).map((item) => {
          const postId = randomUUID();
          const publishedAt = new Date(item.createdAt);
          return {
            post: {
              id: postId,
              organizationId: connection.organizationId,
              content: `A post on ${platforms[platform].name}`,
              status: "published" as const,
              scheduledAt: publishedAt,
            },
            target: {
              id: randomUUID(),
              organizationId: connection.organizationId,
              postId,
              connectionId: connection.id,
              platform,
              state: "published" as const,
              dueAt: publishedAt,
              publishedAt,
              remotePostId: item.id,
              remoteUrl: item.url,
            },
          };
        });
      });
    for (let index = 0; index < rows.length; index += 2_000) {
      const slice = rows.slice(index, index + 2_000);
      await context.db.insert(posts).values(slice.map((row) => row.post));
      await context.db.insert(postTargets).values(slice.map((row) => row.target));
    }
    stored += rows.length;
  }
  // The schedules a running deployment holds by now: the sweep gives 5,000 posts one a minute.
  for (let before = -1, after = 0; before !== after;) {
    before = after;
    await ensureSchedules(context);
    after = Number((await context.db.select({ count: sql`count(*)` }).from(analyticsSchedule))[0]!.count);
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(
    `World: ${connections.length} accounts (${world.length} per platform, ${ORGANIZATIONS} organizations, connected through consent in ${connectSeconds.toFixed(1)} s), ${stored} posts over 90 days (stored in ${seedSeconds.toFixed(1)} s); ${backend.name}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
  );

  /**
   * Nothing due by `at` that a healthy connection could read (the collector leaves the others'
   * last values standing), and no collection queued or running: two indexed lookups, cheap enough
   * to ask every 100 ms without taking the database from the collector. The clock also runs in
   * real time, so reads keep coming due while a step drains: the step's work is what was due when
   * it began.
   */
  const drained = async (at: number) => {
    const due = await context.db.execute(
      sql`select 1 from analytics_schedule join connections on connections.id = analytics_schedule.connection_id
          where next_due_at <= ${new Date(at)} and connections.status = 'healthy' limit 1`,
    );
    if (rowsOf(due).length > 0) return false;
    const jobs = await context.db.execute(
      sql`select 1 from pgboss.job where name = ${queues.analyticsCollect} and state < 'completed' limit 1`,
    );
    return rowsOf(jobs).length === 0;
  };
  const drain = async (limitMs: number) => {
    const started = performance.now();
    const at = clock.now();
    while (!(await drained(at))) {
      if (performance.now() - started > limitMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  };
  const report = ({ calls, refusals }: CallLog, perHours?: number) => {
    for (const [platform, counts] of Object.entries(calls).sort()) {
      if (counts.calls === 0) continue;
      console.log(
        `    ${platform}: ${Math.round(counts.calls / (perHours ?? 1))} calls${perHours === undefined ? "" : " an hour"}, ${counts.refused} refused${counts.faulted ? `, ${counts.faulted} faulted` : ""}`,
      );
    }
    // What the platforms said, by kind: ids in paths and bodies would make every refusal its own.
    const kinds = new Map<string, number>();
    for (const refusal of refusals) {
      const kind = `${refusal.platform} ${refusal.method} ${refusal.path.replace(/[^/]*\d[^/]*/g, "{id}")} ${refusal.status} ${(refusal.refusal ?? "").replace(/"log_id":"\w+"/, '"log_id":…')}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of kinds) console.log(`    refused ${count}×: ${kind}`);
  };

  await passTime(1_000);
  const firstDone = await drain(30 * MINUTE);
  const firstSeconds = (performance.now() - firstStarted) / 1000;
  const deferred = await context.db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(analyticsSchedule)
    .where(sql`${analyticsSchedule.lastError} is not null`);
  console.log(
    `First collection (every account's history and every post due at once, timed from storing the posts): ${firstDone ? "drained" : "NOT drained"} in ${firstSeconds.toFixed(1)} s; ${deferred[0]!.count} subjects deferred by a budget or a refusal`,
  );
  report(callsBetween(firstBefore, await sandboxCalls(sandbox)));
  const notHealthy = await context.db
    .select({ platform: connectionsTable.platform, status: connectionsTable.status })
    .from(connectionsTable)
    .where(sql`${connectionsTable.status} <> 'healthy'`);
  if (notHealthy.length > 0) console.log(`  connections no longer healthy: ${JSON.stringify(notHealthy)}`);

  const steadyBefore = await sandboxCalls(sandbox);
  const steadyFrom = clock.now();
  let busyMs = 0;
  let slowestStepMs = 0;
  for (let minute = 0; minute < HOURS * 60; minute += 1) {
    const started = performance.now();
    await passTime(MINUTE);
    assert.ok(await drain(MINUTE), `minute ${minute + 1}'s collection did not drain within a minute`);
    const took = performance.now() - started;
    busyMs += took;
    slowestStepMs = Math.max(slowestStepMs, took);
  }
  // The clock moved by the steps and by the real time they took.
  const simulatedHours = (clock.now() - steadyFrom) / HOUR;
  console.log(
    `Steady collection, ${simulatedHours.toFixed(2)} h simulated in one-minute steps: ${(busyMs / 1000).toFixed(1)} s of wall time — limit ${(simulatedHours * 3600).toFixed(0)} s (the windows): ${busyMs < simulatedHours * HOUR ? "within" : "OVER"}; slowest minute ${(slowestStepMs / 1000).toFixed(2)} s`,
  );
  report(callsBetween(steadyBefore, await sandboxCalls(sandbox)), simulatedHours);
} finally {
  await app.stop();
  await sandbox.close();
}
