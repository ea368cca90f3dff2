import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq } from "drizzle-orm";
import type { AdjustableClock } from "../../src/clock.js";
import { connections } from "../../src/db/schema.js";
import { checkConnection, refreshConnection } from "../../src/connections/health.js";
import type { LockLease } from "../../src/connections/lock.js";
import { startTestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "./support.js";

const sharedKey = "ab".repeat(32);

const tokenCalls = async (sandbox: RunningSandbox, prefix: string, path: string) =>
  (await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=${prefix}&path=${encodeURIComponent(path)}`))).entries
    .length;

for (const backend of backends) {
  describe(`token refresh and health on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let admin: HttpClient;
    let clock: AdjustableClock;
    let passTime: (milliseconds: number) => Promise<void>;

    before(async () => {
      // X tokens live 2 hours for real; here 2 seconds, well inside the 15-minute refresh margin.
      sandbox = await startSandbox({ lifetimes: { xAccessSeconds: 2, googleAccessSeconds: 2 } });
      ({ app, clock, passTime } = await startAppWithSandbox({
        sandbox,
        backend,
        env: { FIELD_ENCRYPTION_KEY: sharedKey },
      }));
      // The sweeps are triggered by hand here, so counts of calls to the platform are exact.
      await app.runtime.queue.boss.unschedule("connections.refresh-sweep");
      await app.runtime.queue.boss.unschedule("connections.health-sweep");
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin);
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    async function connected(platform: string, identity: string) {
      await connectThroughConsent(admin, platform, { identity });
      const list = (await admin.get("/api/social-media/connections")).body.connections as {
        id: string;
        platform: string;
      }[];
      return list.find((connection) => connection.platform === platform)!;
    }

    test("the refresh sweep renews a token before it expires; the connection stays healthy", async () => {
      const x = await connected("x", "ava");
      const before = await tokenCalls(sandbox, "x", "/2/oauth2/token");
      await app.runtime.queue.boss.send("connections.refresh-sweep", {});
      const refreshed = await waitFor(
        async () => {
          const answer = await admin.get(`/api/social-media/connections/${x.id}`);
          return answer.body.connection.lastRefreshedAt ? answer.body.connection : undefined;
        },
        15_000,
        "the worker to refresh the X token",
      );
      assert.equal(refreshed.status, "healthy");
      assert.ok(new Date(refreshed.tokenExpiresAt).getTime() > Date.now());
      assert.ok((await tokenCalls(sandbox, "x", "/2/oauth2/token")) > before);
      const audit = await admin.get("/api/audit?action=connection.token_refreshed");
      assert.ok(audit.body.events.length >= 1);
    });

    test("two refreshes of one X connection at once: one call to X, the connection healthy", async () => {
      const x = await connected("x", "ben");
      // On PostgreSQL a second runtime with its own pool stands for a second worker process;
      // PGlite belongs to one process, where the two refreshes share its in-process lock.
      const database = app.runtime.database;
      const second =
        database.kind === "postgres"
          ? await startTestApp({
              role: "worker",
              backend: {
                name: "postgres",
                skip: false,
                prepare: async () => ({ databaseUrl: database.url, cleanUp: async () => undefined }),
              },
              env: { ...envOf(sandbox), FIELD_ENCRYPTION_KEY: sharedKey },
            })
          : undefined;
      try {
        const contexts = [app.runtime.context, second?.runtime.context ?? app.runtime.context];
        const before = await tokenCalls(sandbox, "x", "/2/oauth2/token");
        const outcomes = await Promise.all(contexts.map((context) => refreshConnection(context, x.id)));
        assert.deepEqual(outcomes.sort(), ["not_due", "refreshed"]);
        assert.equal(
          (await tokenCalls(sandbox, "x", "/2/oauth2/token")) - before,
          1,
          "X rotates refresh tokens: a second call would have spent the same one",
        );
        assert.equal(await checkConnection(app.runtime.context, x.id), "healthy");
      } finally {
        await second?.stop();
        // The second worker scheduled the sweeps again in the shared database; by hand they stay.
        await app.runtime.queue.boss.unschedule("connections.refresh-sweep");
        await app.runtime.queue.boss.unschedule("connections.health-sweep");
      }
    });

    test("two refreshes of one X connection whose lock was lost: the one X refuses leaves the other's tokens standing", async () => {
      const x = await connected("x", "ava");
      // As when a database restart ends the lock's session while its holder is still renewing.
      const unlocked = {
        ...app.runtime.context,
        locks: {
          run: <T>(_key: string, work: (lease: LockLease) => Promise<T>) => work({ held: () => false }),
          runUnlessHeld: async <T>(_key: string, work: () => Promise<T>) => ({
            ran: true as const,
            value: await work(),
          }),
          close: async () => undefined,
        },
      };
      const outcomes = await Promise.all([refreshConnection(unlocked, x.id), refreshConnection(unlocked, x.id)]);
      assert.equal(outcomes.filter((outcome) => outcome === "refreshed").length, 1, outcomes.join(", "));
      // Whether the other saw the winner's tokens yet or not, it is no refusal.
      assert.ok(
        outcomes.every((outcome) => ["refreshed", "not_due", "unavailable"].includes(outcome)),
        outcomes.join(", "),
      );
      const [stored] = await app.runtime.context.db.select().from(connections).where(eq(connections.id, x.id));
      assert.equal(stored!.status, "healthy", stored!.lastError ?? "");
      assert.equal(await checkConnection(app.runtime.context, x.id), "healthy");
    });

    test("Google sends no new refresh token: the stored one is kept and keeps working", async () => {
      const youtube = await connected("youtube", "ava:UCsandboxNorthwindTV0001");
      const [before] = await app.runtime.context.db.select().from(connections).where(eq(connections.id, youtube.id));
      assert.equal(await refreshConnection(app.runtime.context, youtube.id, { force: true }), "refreshed");
      assert.equal(await refreshConnection(app.runtime.context, youtube.id, { force: true }), "refreshed");
      const [after] = await app.runtime.context.db.select().from(connections).where(eq(connections.id, youtube.id));
      assert.ok(after!.refreshTokenCiphertext, "never replaced with nothing");
      assert.notEqual(after!.accessTokenCiphertext, before!.accessTokenCiphertext);
    });

    test("thirty renewals of one connection at once, more than the pool has clients, all finish: one call to the platform", async () => {
      const x = await connected("x", "ava");
      // Tokens live 2 seconds here, so any renewal a sweep queued earlier is due: let it finish
      // first, so the count below is the thirty's alone.
      await app.runtime.queue.boss.purgeQueue("connections.refresh");
      await waitFor(
        async () =>
          (await app.runtime.queue.boss.getQueueSize("connections.refresh", { before: "completed" })) === 0
            ? true
            : undefined,
        15_000,
        "queued renewals to finish",
      );
      const before = await tokenCalls(sandbox, "x", "/2/oauth2/token");
      const outcomes = await Promise.race([
        Promise.all(Array.from({ length: 30 }, () => refreshConnection(app.runtime.context, x.id, { force: true }))),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("renewals deadlocked")), 20_000)),
      ]);
      assert.equal(outcomes.filter((outcome) => outcome === "refreshed").length, 1);
      assert.equal(outcomes.filter((outcome) => outcome === "not_due").length, 29);
      assert.equal((await tokenCalls(sandbox, "x", "/2/oauth2/token")) - before, 1);
    });

    test("a token endpoint that answers 503 without an OAuth error leaves the connection healthy, and the next refresh works", async () => {
      const x = await connected("x", "ava");
      await fetch(`${sandbox.url}_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefix: "x", method: "POST", path: "/2/oauth2/token", mode: "error", status: 503 }),
      });
      const failed = await admin.post(`/api/social-media/connections/${x.id}/refresh`);
      assert.equal(failed.body.outcome, "unavailable");
      assert.equal(failed.body.connection.status, "healthy");
      assert.match(failed.body.connection.lastError, /tried again/);
      const renewed = await admin.post(`/api/social-media/connections/${x.id}/refresh`);
      assert.equal(renewed.body.outcome, "refreshed");
      assert.equal(renewed.body.connection.status, "healthy");
    });

    test("a token revoked at the platform makes the connection invalid, with the reason recorded", async () => {
      const x = (await admin.get("/api/social-media/connections")).body.connections.find(
        (connection: { platform: string; name: string }) =>
          connection.platform === "x" && connection.name === "Ava Lindqvist",
      );
      await fetch(`${sandbox.url}_sandbox/revoke`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ platform: "x", personId: "ava" }),
      });
      const checked = await admin.post(`/api/social-media/connections/${x.id}/check`);
      assert.equal(checked.body.connection.status, "invalid");
      assert.match(checked.body.connection.lastError, /reconnect/);
      assert.equal(checked.body.connection.errorCount, 1);
      const health = await admin.get("/api/social-media/health");
      const xHealth = health.body.platforms.find((platform: { platform: string }) => platform.platform === "x");
      assert.equal(xHealth.status, "degraded");
      assert.ok(xHealth.unresolvedErrors >= 1);
      assert.equal(health.body.errors[0].errorType, "token");
      assert.equal((await admin.post(`/api/social-media/connections/${x.id}/refresh`)).body.outcome, "not_refreshable");
    });

    test("a rate limit marks the connection rate_limited until the platform's reset", async () => {
      const telegram = await admin.post("/api/social-media/bot/telegram", {
        botToken: newsBot,
        chat: "@northwind_news",
      });
      await fetch(`${sandbox.url}_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefix: "telegram", path: "/getChatMember", mode: "rate_limit", retryAfterSeconds: 30 }),
      });
      const limited = await admin.post(`/api/social-media/connections/${telegram.body.connection.id}/check`);
      assert.equal(limited.body.connection.status, "rate_limited");
      const until = new Date(limited.body.connection.rateLimitedUntil).getTime();
      assert.ok(until > Date.now() + 25_000 && until < Date.now() + 35_000);
      const recovered = await admin.post(`/api/social-media/connections/${telegram.body.connection.id}/check`);
      assert.equal(recovered.body.connection.status, "healthy");
      assert.equal(recovered.body.connection.errorCount, 0);
      assert.equal(recovered.body.connection.rateLimitedUntil, null);
    });

    test("once a rate limit has reset, the sweep checks the connection and it is healthy again without a post", async () => {
      const telegram = (await admin.get("/api/social-media/connections")).body.connections.find(
        (connection: { platform: string }) => connection.platform === "telegram",
      );
      await fetch(`${sandbox.url}_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefix: "telegram", path: "/getChatMember", mode: "rate_limit", retryAfterSeconds: 1 }),
      });
      const limited = await admin.post(`/api/social-media/connections/${telegram.id}/check`);
      assert.equal(limited.body.connection.status, "rate_limited");
      await passTime(1_000);
      await waitFor(
        async () => (new Date(limited.body.connection.rateLimitedUntil).getTime() < clock.now() ? true : undefined),
        3_000,
        "the limit to reset",
      );
      await app.runtime.queue.boss.send("connections.refresh-sweep", {});
      const healthy = await waitFor(
        async () => {
          const answer = await admin.get(`/api/social-media/connections/${telegram.id}`);
          return answer.body.connection.status === "healthy" ? answer.body.connection : undefined;
        },
        15_000,
        "the sweep's check to find it healthy",
      );
      assert.equal(healthy.rateLimitedUntil, null);
    });

    test("a platform outage during a check leaves the status, counts the error, and the health sweep checks every connection", async () => {
      const telegram = (await admin.get("/api/social-media/connections")).body.connections.find(
        (connection: { platform: string }) => connection.platform === "telegram",
      );
      await fetch(`${sandbox.url}_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // The path also matches the subscriber count the analytics sweep may read meanwhile: enough
        // failures that the check meets one whatever that read takes, cleared after.
        body: JSON.stringify({ prefix: "telegram", path: "/getChatMember", mode: "error", status: 502, count: 5 }),
      });
      const failed = await admin.post(`/api/social-media/connections/${telegram.id}/check`);
      await fetch(`${sandbox.url}_sandbox/faults`, { method: "DELETE" });
      assert.equal(failed.body.connection.status, "healthy");
      assert.equal(failed.body.connection.errorCount, 1);
      assert.match(failed.body.connection.lastError, /tried again/);
      const before = await tokenCalls(sandbox, "telegram", "/getChatMember");
      await app.runtime.queue.boss.send("connections.health-sweep", {});
      await waitFor(
        async () => ((await tokenCalls(sandbox, "telegram", "/getChatMember")) > before ? true : undefined),
        15_000,
        "the health sweep to check Telegram",
      );
      const after = await waitFor(
        async () => {
          const answer = await admin.get(`/api/social-media/connections/${telegram.id}`);
          return answer.body.connection.errorCount === 0 ? answer.body.connection : undefined;
        },
        10_000,
        "the check to record success",
      );
      assert.equal(after.status, "healthy");
    });
  });
}

function envOf(sandbox: RunningSandbox): Record<string, string> {
  return {
    TWITTER_CLIENT_ID: "sandbox-x-client",
    TWITTER_CLIENT_SECRET: "sandbox-x-secret",
    TWITTER_BASE_URL: sandbox.base("x"),
  };
}
