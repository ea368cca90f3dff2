import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import { settled } from "../posts/support.js";
import { webhookDeliveries } from "../../src/db/schema.js";
import { sweepDeliveries } from "../../src/webhooks/jobs.js";
import { startReceiver, verifySignature } from "./support.js";

interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  state: string;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  error: string | null;
}

for (const backend of backends) {
  describe(`organization webhooks (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let admin: HttpClient;
    let passTime: (milliseconds: number) => Promise<void>;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let connectionId: string;
    const secrets: string[] = [];

    before(async () => {
      receiver = await startReceiver();
      sandbox = await startSandbox();
      ({ app, passTime } = await startAppWithSandbox({
        sandbox,
        backend,
        captureLogs: true,
        env: {
          WEBHOOK_ALLOW_INTERNAL_ADDRESSES: "true",
          WEBHOOK_MAX_ATTEMPTS: "3",
          WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES: "2",
        },
      }));
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Hooked Co");
      const bot = await admin.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      assert.equal(bot.status, 201, JSON.stringify(bot.body));
      connectionId = bot.body.connection.id;
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
      await receiver.close();
    });

    async function register(path: string, events = ["post.published"]) {
      const answer = await admin.post("/api/webhooks/endpoints", {
        url: receiver.url(path),
        description: `receiver at ${path}`,
        events,
      });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      secrets.push(answer.body.secret);
      return answer.body as { endpoint: { id: string }; secret: string };
    }

    async function publish(content: string) {
      const created = await admin.post("/api/posts", { content, connectionIds: [connectionId] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // The post's own status follows its targets' a moment later; the targets are what was published.
      const post = await settled(admin, created.body.post.id);
      assert.deepEqual(
        post.targets.map((target: { state: string }) => target.state),
        ["published"],
      );
      return post as { id: string };
    }

    async function deliveries(endpointId: string): Promise<DeliveryView[]> {
      const answer = await admin.get(`/api/webhooks/endpoints/${endpointId}/deliveries`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.deliveries;
    }

    const receivedFor = (path: string, count: number) =>
      waitFor(
        async () => (receiver.at(path).length >= count ? receiver.at(path) : undefined),
        20_000,
        `${count} webhook(s) at ${path}`,
      );

    test("a published post reaches the receiver as post.published, signed with the secret shown at creation", async () => {
      const { endpoint, secret } = await register("/published");
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const post = await publish("Told by webhook");

      const [request] = await receivedFor("/published", 1);
      assert.ok(verifySignature(secret, request!), `signature ${String(request!.headers["webhook-signature"])}`);
      assert.equal(request!.headers["content-type"], "application/json");
      assert.equal(request!.headers["user-agent"], "MarketSage-Social-Webhooks");
      const message = JSON.parse(request!.body);
      assert.equal(message.type, "post.published");
      assert.equal(message.data.post, post.id);
      assert.match(message.id, /^evt_\d+$/);
      const organization = await admin.get("/api/organization");
      assert.equal(message.organizationId, organization.body.organization.id);
      const latencyMs = request!.receivedAt - Date.parse(message.createdAt);
      console.log(`webhook latency from the event written to its arrival: ${latencyMs} ms (bound 5000 ms)`);
      assert.ok(latencyMs < 5_000, `${latencyMs} ms from the event to the receiver`);
      assert.ok(
        Math.abs(Number(request!.headers["webhook-timestamp"]) * 1000 - Date.parse(message.createdAt)) < 60_000,
      );

      const [delivery] = await waitFor(
        async () => {
          const log = await deliveries(endpoint.id);
          return log[0]?.state === "delivered" ? log : undefined;
        },
        10_000,
        "the delivery to be logged",
      );
      assert.equal(delivery!.eventId, message.id);
      assert.equal(delivery!.attempts, 1);
      assert.equal(delivery!.responseStatus, 200);
      assert.ok(delivery!.durationMs !== null && delivery!.durationMs >= 0);
      assert.equal(request!.headers["webhook-id"], delivery!.id);
    });

    test("a receiver answering 500 gets the delivery again once the backoff has passed; the log shows both attempts", async () => {
      receiver.answer("/flaky", 500);
      const { endpoint, secret } = await register("/flaky");
      await publish("Told twice");
      await receivedFor("/flaky", 1);
      const waiting = await waitFor(
        async () => {
          const [latest] = await deliveries(endpoint.id);
          return latest?.attempts === 1 && latest.state === "pending" ? latest : undefined;
        },
        10_000,
        "the failed attempt to be logged",
      );
      assert.equal(waiting.responseStatus, 500);
      assert.equal(waiting.error, "The endpoint answered 500.");
      assert.equal(receiver.at("/flaky").length, 1, "retried before its backoff");

      await passTime(30_000);
      const [first, second] = await receivedFor("/flaky", 2);
      assert.equal(first!.headers["webhook-id"], second!.headers["webhook-id"]);
      assert.equal(first!.body, second!.body);
      assert.ok(verifySignature(secret, second!));
      const delivered = await waitFor(
        async () => {
          const [latest] = await deliveries(endpoint.id);
          return latest?.state === "delivered" ? latest : undefined;
        },
        10_000,
        "the second attempt to be logged",
      );
      assert.equal(delivered.attempts, 2);
      assert.equal(delivered.responseStatus, 200);
      assert.equal(delivered.error, null);
    });

    test("an endpoint whose deliveries keep failing is disabled, with the reason, audited; enabling it starts again", async () => {
      receiver.answer("/down", ...Array.from({ length: 20 }, () => 503));
      const { endpoint } = await register("/down");
      await publish("Nobody home, once");
      await publish("Nobody home, twice");
      const disabled = await waitFor(
        async () => {
          const listed = await admin.get("/api/webhooks/endpoints");
          const mine = listed.body.endpoints.find((candidate: { id: string }) => candidate.id === endpoint.id);
          if (!mine.enabled) return mine;
          // Each pass moves past every retry's backoff (30 s, then 2 min).
          await passTime(120_000);
          return undefined;
        },
        30_000,
        "the endpoint to be disabled",
      );
      assert.match(disabled.disabledReason, /2 deliveries in a row failed, each after 3 attempts.*answered 503/);
      assert.equal(receiver.at("/down").length, 6);
      const log = await deliveries(endpoint.id);
      assert.deepEqual(
        log.map((delivery) => [delivery.state, delivery.attempts, delivery.responseStatus]),
        [
          ["failed", 3, 503],
          ["failed", 3, 503],
        ],
      );
      const audit = await admin.get("/api/audit?action=webhook.disabled");
      assert.equal(audit.body.events[0]?.targetId, endpoint.id);
      // Its owners are told: an alert, in-app and by e-mail to administrators by default.
      const [alert] = (await admin.get("/api/alerts?rule=webhook_disabled")).body.alerts;
      assert.equal(alert?.subjectId, endpoint.id, JSON.stringify(alert));
      assert.equal(alert.resolvedAt, null);

      const enabled = await admin.post(`/api/webhooks/endpoints/${endpoint.id}/enable`);
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.equal(enabled.body.endpoint.enabled, true);
      assert.equal(enabled.body.endpoint.consecutiveFailures, 0);
      assert.equal(enabled.body.endpoint.disabledReason, null);
      assert.notEqual((await admin.get(`/api/alerts/${alert.id}`)).body.alert.resolvedAt, null);
    });

    test("send test event: the endpoint receives webhook.test at once, signed, and the log shows it", async () => {
      const { endpoint, secret } = await register("/tested", ["alert.raised"]);
      const sent = await admin.post(`/api/webhooks/endpoints/${endpoint.id}/test`);
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      // An alert an earlier test raised (its endpoint was disabled) may reach this endpoint too.
      const request = await waitFor(
        async () => receiver.at("/tested").find((candidate) => JSON.parse(candidate.body).type === "webhook.test"),
        20_000,
        "the test event at /tested",
      );
      assert.ok(verifySignature(secret, request));
      await waitFor(
        async () =>
          (await deliveries(endpoint.id)).some(
            (delivery) => delivery.eventType === "webhook.test" && delivery.state === "delivered",
          )
            ? true
            : undefined,
        10_000,
        "the test delivery to be logged",
      );
    });

    test("test events are limited per endpoint: the eleventh in a minute is 429, another endpoint still gets its own", async () => {
      const { endpoint } = await register("/busy", ["alert.raised"]);
      for (let sent = 0; sent < 10; sent += 1) {
        assert.equal((await admin.post(`/api/webhooks/endpoints/${endpoint.id}/test`)).status, 202);
      }
      const refused = await admin.post(`/api/webhooks/endpoints/${endpoint.id}/test`);
      assert.equal(refused.status, 429, JSON.stringify(refused.body));
      const { endpoint: other } = await register("/quiet", ["alert.raised"]);
      assert.equal((await admin.post(`/api/webhooks/endpoints/${other.id}/test`)).status, 202);
    });

    test("a rotated secret signs what is sent next; the old one no longer verifies", async () => {
      const { endpoint, secret: old } = await register("/rotated", ["alert.raised"]);
      const rotated = await admin.post(`/api/webhooks/endpoints/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      secrets.push(rotated.body.secret);
      assert.notEqual(rotated.body.secret, old);
      await admin.post(`/api/webhooks/endpoints/${endpoint.id}/test`);
      const [request] = await receivedFor("/rotated", 1);
      assert.ok(verifySignature(rotated.body.secret, request!));
      assert.ok(!verifySignature(old, request!));
    });

    test("a delivery whose job was lost is sent by the sweep once it is well overdue", async () => {
      const { endpoint, secret } = await register("/lost", ["post.failed"]);
      const { db, clock } = app.runtime.context;
      const organization = (await admin.get("/api/organization")).body.organization;
      const eventId = `evt_lost_${randomUUID()}`;
      await db.insert(webhookDeliveries).values({
        id: randomUUID(),
        organizationId: organization.id,
        endpointId: endpoint.id,
        eventId,
        eventType: "post.failed",
        payload: {
          id: eventId,
          type: "post.failed",
          createdAt: new Date().toISOString(),
          organizationId: organization.id,
          data: {},
        },
        nextAttemptAt: new Date(clock.now() - 11 * 60_000),
      });
      assert.equal(await sweepDeliveries(app.runtime.context), 1);
      const [request] = await receivedFor("/lost", 1);
      assert.ok(verifySignature(secret, request!));
      assert.equal(JSON.parse(request!.body).id, eventId);
      await waitFor(
        async () => ((await deliveries(endpoint.id))[0]?.state === "delivered" ? true : undefined),
        10_000,
        "the swept delivery to be logged",
      );
      assert.equal(await sweepDeliveries(app.runtime.context), 0);
    });

    test("only administrators manage webhooks: a USER can neither list nor create", async () => {
      const user = app.client();
      await addMember(admin, user, "USER");
      const created = await user.post("/api/webhooks/endpoints", {
        url: receiver.url("/user"),
        events: ["post.failed"],
      });
      assert.equal(created.status, 403, JSON.stringify(created.body));
      assert.equal((await user.get("/api/webhooks/endpoints")).status, 403);
    });

    test("another organization's endpoint is not found, whatever is asked of it", async () => {
      const { endpoint } = await register("/private", ["post.failed"]);
      const stranger = app.client();
      await signUp(stranger);
      await createOrganization(stranger, "Stranger Co");
      const base = `/api/webhooks/endpoints/${endpoint.id}`;
      const answers = [
        await stranger.get(`${base}/deliveries`),
        await stranger.patch(base, { description: "mine now" }),
        await stranger.post(`${base}/test`),
        await stranger.post(`${base}/enable`),
        await stranger.post(`${base}/rotate-secret`),
        await stranger.delete(base),
      ];
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [404, 404, 404, 404, 404, 404],
      );
      assert.deepEqual((await stranger.get("/api/webhooks/endpoints")).body.endpoints, []);
      const still = await admin.get("/api/webhooks/endpoints");
      assert.ok(still.body.endpoints.some((candidate: { id: string }) => candidate.id === endpoint.id));
    });

    test("an endpoint is edited and deleted; the secret appears in no answer after creation, no audit entry and no log line", async () => {
      const { endpoint } = await register("/edited", ["post.failed"]);
      const edited = await admin.patch(`/api/webhooks/endpoints/${endpoint.id}`, {
        events: ["post.failed", "post.unknown", "post.failed"],
        description: "failures only",
      });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.deepEqual(edited.body.endpoint.events, ["post.failed", "post.unknown"]);
      const answers = [
        edited.body,
        (await admin.get("/api/webhooks/endpoints")).body,
        (await admin.get(`/api/webhooks/endpoints/${endpoint.id}/deliveries`)).body,
        (await admin.get("/api/audit?limit=200")).body,
      ];
      assert.equal((await admin.delete(`/api/webhooks/endpoints/${endpoint.id}`)).status, 204);
      assert.equal((await admin.get(`/api/webhooks/endpoints/${endpoint.id}/deliveries`)).status, 404);
      const seen = JSON.stringify(answers) + app.logs.join("");
      assert.ok(secrets.length >= 5);
      for (const secret of secrets) {
        assert.ok(!seen.includes(secret), "a webhook secret was shown again");
        assert.ok(!seen.includes(secret.slice("whsec_".length, 20)), "part of a webhook secret was shown again");
      }
    });
  });
}
