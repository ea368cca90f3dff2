import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { AdjustableClock } from "../../src/clock.js";
import { postTargets, workerHeartbeats } from "../../src/db/schema.js";
import { sweepTargets } from "../../src/posts/jobs.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import { json, startSandbox, type RunningSandbox, armFault, publishedCount } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { backoffAfter, connectionIds, retimed, settled } from "./support.js";

const HOUR_MS = 3_600_000;
/** CONNECTION_REFRESH_AHEAD_MINUTES and CONNECTION_HEALTH_CHECK_MINUTES, by default. */
const REFRESH_AHEAD_MS = 15 * 60_000;
const HEALTH_CHECK_INTERVAL_MS = 15 * 60_000;

/**
 * Schedules, backoff, asking again, token refresh, rate-limit resets and health checks come due
 * by the app's clock: moving it (and the platforms' with it) runs them at once, with no real wait.
 */
describe("the app's clock decides when work is due", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let clock: AdjustableClock;
  let passTime: (milliseconds: number) => Promise<void>;
  let ids: Awaited<ReturnType<typeof connectionIds>>;

  before(async () => {
    sandbox = await startSandbox();
    ({ app, clock, passTime } = await startAppWithSandbox({ sandbox }));
    // The sweeps' crons run on real minutes: here only moving the clock may set them off.
    await app.runtime.queue.boss.unschedule("connections.refresh-sweep");
    await app.runtime.queue.boss.unschedule("connections.health-sweep");
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Clockwork Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    const linkedin = await connectThroughConsent(client, "linkedin", { identity: "ava", variant: "pages" });
    // A company page: LinkedIn lets the app read its posts back, so a lost answer can be reconciled.
    await client.post(`/api/social-media/grants/${linkedin.searchParams.get("choose")}`, {
      externalIds: ["urn:li:organization:90000002"],
    });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    ids = await connectionIds(client);
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const fault = (rule: Record<string, unknown>) => armFault(sandbox, rule);
  const published = (platform: string, text: string) => publishedCount(sandbox, platform, text);
  const calls = async (prefix: string, path: string) =>
    (await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=${prefix}&path=${encodeURIComponent(path)}`)))
      .entries.length;
  const connection = async (platform: string) =>
    (await client.get(`/api/social-media/connections/${ids.byKey(platform)}`)).body.connection;

  test("a post scheduled an hour ahead goes out once the clock is moved an hour", async () => {
    const at = new Date(clock.now() + HOUR_MS);
    const text = `In an hour ${at.getTime()}`;
    const created = await client.post("/api/posts", {
      content: text,
      connectionIds: [ids.byKey("telegram")],
      scheduledAt: at.toISOString(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.post.status, "scheduled");
    await passTime(HOUR_MS);
    const post = await settled(client, created.body.post.id, 10_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(post.status, "published");
    assert.ok(new Date(post.targets[0].publishedAt).getTime() >= at.getTime(), "not before its time");
    assert.equal(await published("telegram", text), 1);
  });

  test("a retry comes after its backoff by the clock, not by the wall", async () => {
    await fault({ prefix: "linkedin", method: "POST", path: "/rest/posts", mode: "error", status: 503 });
    const text = "Backoff by the clock";
    const created = await client.post("/api/posts", { content: text, connectionIds: [ids.byKey("linkedin")] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const waiting = await retimed(client, created.body.post.id);
    assert.equal(waiting.targets[0].attempts, 1);
    const retimedAt = Date.now();
    await passTime(backoffAfter(1));
    const post = await settled(client, created.body.post.id, 10_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(post.targets[0].attempts, 2);
    assert.ok(Date.now() - retimedAt < backoffAfter(1), "retried before the backoff had passed on the wall");
    assert.equal(await published("linkedin", text), 1);
  });

  test("a platform that could not be asked whether a post arrived is asked again when the clock says", async () => {
    await fault({ prefix: "x", method: "POST", path: "/2/tweets", mode: "drop" });
    await fault({ prefix: "x", method: "GET", path: "/tweets", mode: "error", status: 503 });
    const text = "Asked again later";
    const created = await client.post("/api/posts", { content: text, connectionIds: [ids.byKey("x")] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const asking = await waitFor(
      async () => {
        const post = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
        return /asking again at/.test(post.targets[0].error ?? "") ? post : undefined;
      },
      10_000,
      "the platform to be found unable to answer",
    );
    assert.equal(asking.targets[0].state, "publishing");
    await passTime(30_000);
    const post = await settled(client, created.body.post.id, 10_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(post.targets[0].attempts, 1, "found on the platform, not sent again");
    assert.equal(await published("x", text), 1);
  });

  test("a token inside its refresh margin is renewed by the sweep as soon as the clock gets there", async () => {
    const x = await connection("x");
    assert.equal(x.lastRefreshedAt, null);
    const before = await calls("x", "/2/oauth2/token");
    const expiresAt = new Date(x.tokenExpiresAt).getTime();
    await passTime(expiresAt - clock.now() - REFRESH_AHEAD_MS + 60_000);
    const refreshed = await waitFor(
      async () => {
        const current = await connection("x");
        return current.lastRefreshedAt ? current : undefined;
      },
      10_000,
      "the refresh sweep to renew the X token",
    );
    assert.equal(refreshed.status, "healthy");
    assert.ok(new Date(refreshed.tokenExpiresAt).getTime() > clock.now() + REFRESH_AHEAD_MS, "renewed for a lifetime");
    assert.ok((await calls("x", "/2/oauth2/token")) > before);
  });

  test("a connection whose rate limit has reset by the clock is checked and healthy again", async () => {
    await fault({ prefix: "telegram", path: "/getChatMember", mode: "rate_limit", retryAfterSeconds: 600 });
    const limited = await client.post(`/api/social-media/connections/${ids.byKey("telegram")}/check`);
    assert.equal(limited.body.connection.status, "rate_limited");
    await passTime(600_000 + 1_000);
    const healthy = await waitFor(
      async () => {
        const current = await connection("telegram");
        return current.status === "healthy" ? current : undefined;
      },
      10_000,
      "the sweep's check to find it healthy",
    );
    assert.equal(healthy.rateLimitedUntil, null);
  });

  test("health checks come due with the clock", async () => {
    const before = await calls("telegram", "/getChatMember");
    await passTime(HEALTH_CHECK_INTERVAL_MS);
    await waitFor(
      async () => ((await calls("telegram", "/getChatMember")) > before ? true : undefined),
      10_000,
      "the health sweep to check Telegram",
    );
  });

  test("a worker's last beat is aged on the wall: moving the clock takes nothing from a live worker", async () => {
    const { db } = app.runtime.context;
    const created = await client.post("/api/posts", {
      content: "Held elsewhere",
      connectionIds: [ids.byKey("telegram")],
      scheduledAt: new Date(clock.now() + 30 * 24 * HOUR_MS).toISOString(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const targetId = created.body.post.targets[0].id;
    // Another worker, beating just now, is publishing it.
    const elsewhere = randomUUID();
    const claim = { claimedByWorker: elsewhere, claimedJobId: randomUUID() };
    await db.insert(workerHeartbeats).values({
      workerId: elsewhere,
      hostname: "worker-host",
      pid: 1,
      startedAt: new Date(),
      seenAt: new Date(),
      presenceKey: null,
    });
    await db
      .update(postTargets)
      .set({ ...claim, state: "publishing", publishingStartedAt: new Date(clock.now()) })
      .where(eq(postTargets.id, targetId));
    const sweep = () => sweepTargets(app.runtime.context, { id: app.runtime.worker!.id, inFlight: new Set() });
    const claimed = async () =>
      (await db.select().from(postTargets).where(eq(postTargets.id, targetId)))[0]!.claimedByWorker;

    await passTime(HOUR_MS);
    await sweep();
    assert.equal(await claimed(), elsewhere, "still that worker's: its beat is seconds old on the wall");

    await db
      .update(workerHeartbeats)
      .set({ seenAt: new Date(Date.now() - HOUR_MS) })
      .where(eq(workerHeartbeats.workerId, elsewhere));
    await sweep();
    assert.equal(await claimed(), null, "taken over once its beats have really stopped");
  });
});
