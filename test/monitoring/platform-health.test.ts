import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eq, sql } from "drizzle-orm";
import { platformCalls } from "../../src/db/schema.js";
import { pruneCallLog } from "../../src/monitoring/call-log.js";
import type { PlatformCallRecord } from "../../src/platforms/call-record.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { HttpClient } from "../support/client.js";
import { backends } from "../support/postgres.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, settledPassingBackoff } from "../posts/support.js";

interface WindowView {
  calls: number;
  successRate: number | null;
  errorRate: number | null;
  failuresByKind: Record<string, number>;
  callsByStatusClass: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  lastError: { operation: string; failureKind: string | null; statusClass: string; at: string } | null;
  state: string;
}
interface PlatformView {
  platform: string;
  counts: Record<string, number>;
  unresolvedErrors: number;
  api: { state: string; windows: Record<"5m" | "1h" | "24h", WindowView> };
}

for (const backend of backends) {
  describe(`platform API health and error incidents on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let admin: HttpClient;
    let member: HttpClient;
    let outsider: HttpClient;
    let adminId: string;
    let organizationId: string;
    let xConnection: string;
    let passTime: (milliseconds: number) => Promise<void>;
    const calls: PlatformCallRecord[] = [];

    before(async () => {
      sandbox = await startSandbox();
      ({ app, passTime } = await startAppWithSandbox({ sandbox, backend, env: { PLATFORM_CALLS_FLUSH_MS: "50" } }));
      app.runtime.context.platformCalls.subscribe((call) => calls.push(call));
      admin = app.client();
      adminId = (await signUp(admin)).id;
      organizationId = (await createOrganization(admin, "Health Co")).id;
      await connectThroughConsent(admin, "x", { identity: "ava" });
      const bot = await admin.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      assert.equal(bot.status, 201, JSON.stringify(bot.body));
      xConnection = (await connectionIds(admin)).byKey("x");
      member = new HttpClient(app.url);
      await addMember(admin, member, "USER");
      outsider = new HttpClient(app.url);
      await signUp(outsider);
      await createOrganization(outsider, "Elsewhere Co");
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    const fault = async (rule: Record<string, unknown>) => {
      const answer = await fetch(`${sandbox.url}_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rule),
      });
      assert.equal(answer.status, 201);
    };
    const xCheckFails = (count: number) =>
      fault({ prefix: "x", method: "GET", path: "/2/users/me", mode: "error", status: 503, count });
    const check = async () => {
      const answer = await admin.post(`/api/social-media/connections/${xConnection}/check`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    };
    const health = async (client: HttpClient, path = "/api/social-media/health") => {
      await app.runtime.callLog.flush();
      const answer = await client.get(path);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const platforms = answer.body.platforms as PlatformView[];
      return (platform: string) => platforms.find((entry) => entry.platform === platform)!;
    };
    const openXErrors = async () => {
      const answer = await admin.get("/api/social-media/errors?platform=x&resolved=false");
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.errors as { id: number; occurrences: number; at: string; firstAt: string }[];
    };

    test("published posts and a platform's 5xx answers show as calls, error rate, failure kinds, latency and state", async () => {
      const ids = await connectionIds(admin);
      for (const content of ["Health check one", "Health check two"]) {
        const created = await admin.post("/api/posts", { content, connectionIds: [ids.byKey("telegram")] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const post = await settled(admin, created.body.post.id);
        assert.equal(post.targets[0].state, "published");
      }
      await xCheckFails(5);
      for (let attempt = 0; attempt < 5; attempt++) await check();

      const platform = await health(admin);
      const x = platform("x");
      const recent = x.api.windows["5m"];
      assert.equal(x.api.state, "down");
      // Connecting made calls too (the token exchange, the account): all answered.
      assert.ok(recent.calls > 5 && recent.calls < 10, `x made ${recent.calls} calls`);
      assert.equal(recent.errorRate, 5 / recent.calls);
      assert.deepEqual(recent.failuresByKind, { transient: 5 });
      assert.equal(recent.callsByStatusClass["5xx"], 5);
      assert.equal(recent.callsByStatusClass["2xx"], recent.calls - 5);
      assert.equal(recent.lastError?.operation, "GET /2/users/me");
      assert.equal(recent.lastError?.failureKind, "transient");
      assert.equal(x.counts.healthy, 1, "a platform's outage is not the account's fault: the connection stays healthy");

      const telegram = platform("telegram").api;
      assert.equal(telegram.state, "operational");
      const sent = telegram.windows["5m"];
      assert.ok(sent.calls >= 2, `telegram made ${sent.calls} calls`);
      assert.equal(sent.successRate, 1);
      assert.ok(sent.latencyMs, "latency percentiles are reported");
      assert.ok(0 <= sent.latencyMs.p50 && sent.latencyMs.p50 <= sent.latencyMs.p95);
      assert.ok(sent.latencyMs.p95 <= sent.latencyMs.p99);
      assert.equal(sent.lastError, null);

      const one = await admin.get("/api/social-media/health/x");
      assert.deepEqual(
        one.body.platforms.map((entry: PlatformView) => entry.platform),
        ["x"],
      );
      assert.equal(one.body.platforms[0].api.state, "down");
    });

    test("the rolling windows age: six minutes later the outage has left the five-minute window, not the hour", async () => {
      await passTime(6 * 60_000);
      const x = (await health(admin))("x").api;
      assert.equal(x.state, "operational");
      assert.equal(x.windows["5m"].calls, 0);
      assert.equal(x.windows["1h"].callsByStatusClass["5xx"], 5);
      assert.equal(x.windows["1h"].state, "down");
      assert.equal(x.windows["24h"].failuresByKind.transient, 5);
    });

    test("a post whose first attempt met a 5xx is published after all, and the platform shows degraded meanwhile", async () => {
      await fault({ prefix: "x", method: "POST", path: "/2/tweets", mode: "error", status: 503, count: 1 });
      const created = await admin.post("/api/posts", { content: "Through a bad minute", connectionIds: [xConnection] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const post = await settledPassingBackoff(admin, created.body.post.id, passTime, 60_000);
      assert.equal(post.targets[0].state, "published");

      const recent = (await health(admin))("x").api.windows["5m"];
      const tweets = calls.filter((call) => call.operation === "POST /2/tweets");
      assert.deepEqual(
        tweets.map((call) => [call.statusClass, call.failureKind]),
        [
          ["5xx", "ambiguous"],
          ["2xx", undefined],
        ],
        "a write answered 5xx may have landed: ambiguous, reconciled, then sent again",
      );
      assert.equal(recent.failuresByKind.ambiguous, 1);
      assert.equal(recent.callsByStatusClass["5xx"], 1);
      assert.equal(recent.lastError?.operation, "POST /2/tweets");
      assert.equal(recent.state, "degraded", `1 of ${recent.calls} calls failed on the platform's side`);
    });

    test("repeated failures are one incident counting its occurrences; the next success resolves it by itself", async () => {
      await check();
      assert.deepEqual(await openXErrors(), [], "the success before resolved what was open");
      await xCheckFails(3);
      for (let attempt = 0; attempt < 3; attempt++) await check();
      const [incident, ...others] = await openXErrors();
      assert.equal(others.length, 0);
      assert.equal(incident?.occurrences, 3);
      assert.ok(new Date(incident.firstAt) <= new Date(incident.at));
      assert.equal((await health(admin))("x").unresolvedErrors, 1);

      await check();
      const resolved = await admin.get(`/api/social-media/errors?platform=x&errorType=api&limit=1`);
      assert.equal(resolved.body.errors[0].id, incident.id);
      assert.equal(resolved.body.errors[0].resolved, true);
      assert.equal(resolved.body.errors[0].resolvedByUserId, null, "resolved by the success, not by a person");
      assert.equal(resolved.body.nextBefore, incident.id, "a full page names where the next begins");
    });

    test("an admin resolves an incident by hand, audited; a USER may not; another organization's id is not found", async () => {
      await xCheckFails(1);
      await check();
      const [incident] = await openXErrors();
      assert.ok(incident);

      const refused = await member.post(`/api/social-media/errors/${incident.id}/resolve`);
      assert.equal(refused.status, 403);
      const foreign = await outsider.post(`/api/social-media/errors/${incident.id}/resolve`);
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.error.field, "id");
      const malformed = await admin.post("/api/social-media/errors/not-a-number/resolve");
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.field, "id");

      const resolved = await admin.post(`/api/social-media/errors/${incident.id}/resolve`);
      assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
      assert.equal(resolved.body.error.resolved, true);
      assert.equal(resolved.body.error.resolvedByUserId, adminId);
      const again = await admin.post(`/api/social-media/errors/${incident.id}/resolve`);
      assert.equal(again.status, 409);

      const audit = await admin.get("/api/audit?action=connection.error_resolved");
      assert.equal(audit.status, 200);
      const [entry] = audit.body.events;
      assert.equal(entry.targetId, String(incident.id));
      assert.equal(entry.actorUserId, adminId);
      assert.equal(entry.details.platform, "x");
    });

    test("other organizations see neither the incidents nor the calls; scope=all is a SUPER_ADMIN's", async () => {
      const theirErrors = await outsider.get("/api/social-media/errors");
      assert.deepEqual(theirErrors.body.errors, []);
      assert.equal((await health(outsider))("x").api.windows["1h"].calls, 0);

      const refused = await member.get("/api/social-media/health?scope=all");
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.field, "scope");
      const wrong = await admin.get("/api/social-media/health?scope=everyone");
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.field, "scope");
      // This organization's 5xx answers so far: 5 + 3 + 1 checks and one post.
      assert.equal((await health(admin))("x").api.windows["1h"].callsByStatusClass["5xx"], 10);

      // The installation's first account is its SUPER_ADMIN, and sees every organization's calls.
      await connectThroughConsent(outsider, "x", { identity: "ben" });
      const hourOfX = async (client: HttpClient, path?: string) => (await health(client, path))("x").api.windows["1h"];
      const [mine, theirs, everyone] = [
        await hourOfX(admin),
        await hourOfX(outsider),
        await hourOfX(admin, "/api/social-media/health?scope=all"),
      ];
      assert.ok(theirs.calls > 0 && theirs.callsByStatusClass["5xx"] === undefined, JSON.stringify(theirs));
      assert.equal(everyone.calls, mine.calls + theirs.calls);
      assert.equal(everyone.callsByStatusClass["5xx"], 10);
    });

    test("token endpoint requests are observed like every other call, with their connection", async () => {
      const refreshed = await admin.post(`/api/social-media/connections/${xConnection}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.outcome, "refreshed");
      const tokenRequests = calls.filter(
        (call) =>
          call.platform === "x" && call.operation === "POST /2/oauth2/token" && call.organizationId === organizationId,
      );
      // The code exchange when connecting, before the connection existed; then the refresh, the connection's.
      assert.equal(tokenRequests.length, 2, JSON.stringify(tokenRequests));
      const [exchange, refresh] = tokenRequests;
      assert.equal(exchange!.connectionId, undefined);
      assert.equal(refresh!.statusClass, "2xx");
      assert.equal(refresh!.connectionId, xConnection);
    });

    test("a database refusing the call log fails no platform call; the refused records are dropped, later ones kept", async () => {
      const { context } = app.runtime;
      const recorded = async () =>
        (await context.db.select().from(platformCalls).where(eq(platformCalls.operation, "GET /2/users/me"))).length;
      const before = await recorded();
      await context.db.execute(sql`
        create function refuse_platform_calls() returns trigger language plpgsql as $$
        begin raise exception 'platform_calls refused for the test'; end $$`);
      await context.db.execute(sql`
        create trigger refuse_platform_calls before insert on platform_calls
        for each statement execute function refuse_platform_calls()`);
      await check();
      for (let attempt = 0; attempt < 3; attempt++) await app.runtime.callLog.flush();
      await context.db.execute(sql`drop trigger refuse_platform_calls on platform_calls`);
      await context.db.execute(sql`drop function refuse_platform_calls()`);
      await check();
      await app.runtime.callLog.flush();
      assert.equal(await recorded(), before + 1, "the refused call's record was dropped, the next one written");
    });

    test("calls older than the retention are pruned; recent ones stay", async () => {
      const { context } = app.runtime;
      const now = context.clock.now();
      await context.db.insert(platformCalls).values([
        { platform: "x", operation: "GET /old", statusClass: "2xx", durationMs: 1, at: new Date(now - 8 * 86_400_000) },
        { platform: "x", operation: "GET /recent", statusClass: "2xx", durationMs: 1, at: new Date(now - 86_400_000) },
      ]);
      await pruneCallLog(context);
      const operations = (await context.db.select({ operation: platformCalls.operation }).from(platformCalls)).map(
        (row) => row.operation,
      );
      assert.ok(!operations.includes("GET /old"));
      assert.ok(operations.includes("GET /recent"));
    });
  });
}
