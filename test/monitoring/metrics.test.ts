import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connectionById, openTokens } from "../../src/connections/store.js";
import { startTestApp, type TestApp } from "../support/app.js";
import { backends } from "../support/postgres.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { armFault, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox } from "../connections/support.js";
import { connectionIds, settled, settledPassingBackoff } from "../posts/support.js";
import { parseExposition } from "./exposition.js";
import { waitFor } from "../support/process.js";

const metricsToken = "metrics-token-0123456789abcdef";
const withToken = { authorization: `Bearer ${metricsToken}` };

/** The targets' own states: the post's status is written just after them and may lag a moment. */
const targetStates = (post: { targets: { state: string }[] }) => post.targets.map((target) => target.state);

async function scrape(client: HttpClient) {
  const answer = await client.get("/metrics", withToken);
  assert.equal(answer.status, 200, String(answer.body));
  assert.match(answer.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(answer.body as string);
}

for (const backend of backends) {
  describe(`/metrics after publishing (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let client: HttpClient;
    let passTime: (milliseconds: number) => Promise<void>;
    let organizationId: string;
    let ids: Awaited<ReturnType<typeof connectionIds>>;

    before(async () => {
      sandbox = await startSandbox();
      ({ app, passTime } = await startAppWithSandbox({ sandbox, backend, env: { METRICS_TOKEN: metricsToken } }));
      client = app.client();
      await signUp(client);
      organizationId = (await createOrganization(client, "Measured Co")).id;
      await connectThroughConsent(client, "x", { identity: "ava" });
      const bot = await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
      assert.equal(bot.status, 201, JSON.stringify(bot.body));
      ids = await connectionIds(client);
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    test("a published post is counted by platform and outcome, its calls by operation, its request by route", async () => {
      const created = await client.post("/api/posts", {
        content: "Measured from end to end",
        connectionIds: [ids.byKey("x"), ids.byKey("telegram")],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(targetStates(await settled(client, created.body.post.id)), ["published", "published"]);

      // A job's duration is observed when the job returns, just after the commit that settles its account.
      const metrics = await waitFor(
        async () => {
          const scraped = await scrape(client);
          return scraped.observations("marketsage_publish_job_duration_seconds", { platform: "x" }) > 0
            ? scraped
            : undefined;
        },
        5_000,
        "the publish job's duration",
      );
      assert.equal(metrics.value("marketsage_publish_outcomes_total", { platform: "x", outcome: "published" }), 1);
      assert.equal(
        metrics.value("marketsage_publish_outcomes_total", { platform: "telegram", outcome: "published" }),
        1,
      );
      assert.equal(
        metrics.observations("marketsage_publish_lateness_seconds", { platform: "x", outcome: "published" }),
        1,
      );
      assert.equal(metrics.observations("marketsage_publish_job_duration_seconds", { platform: "x" }), 1);
      assert.equal(
        metrics.observations("marketsage_platform_call_duration_seconds", {
          platform: "x",
          operation: "POST /2/tweets",
          status_class: "2xx",
        }),
        1,
      );
      assert.ok(
        metrics
          .labelValues("marketsage_platform_call_duration_seconds", "operation")
          .has("POST /bot{token}/sendMessage"),
      );
      assert.equal(
        metrics.observations("marketsage_http_request_duration_seconds", {
          method: "POST",
          route: "/api/posts",
          status_class: "2xx",
        }),
        1,
      );
      assert.ok(metrics.labelValues("marketsage_http_request_duration_seconds", "route").has("/api/posts/:id"));
      assert.equal(metrics.value("marketsage_connections", { platform: "x", status: "healthy" }), 1);
      assert.equal(metrics.value("marketsage_connections", { status: "invalid" }), 0);
      assert.ok(metrics.value("marketsage_queue_jobs", { queue: "posts.publish", state: "completed" }) >= 2);
      assert.equal(metrics.value("marketsage_workers_live"), 1);
      assert.ok(metrics.value("marketsage_worker_heartbeat_age_seconds") < 10);
      assert.ok(metrics.value("process_resident_memory_bytes") > 0, "the default process metrics");
    });

    test("a call whose answer was lost is counted by its failure kind, and the target put back in the queue as requeued", async () => {
      const published = { platform: "x", outcome: "published" };
      const before = (await scrape(client)).value("marketsage_publish_outcomes_total", published);
      // A 5xx to a post may have landed: ambiguous, reconciled (nothing found), then sent again.
      await armFault(sandbox, { prefix: "x", method: "POST", path: "/2/tweets", mode: "error", status: 503, count: 1 });
      const created = await client.post("/api/posts", {
        content: "Measured after a fault",
        connectionIds: [ids.byKey("x")],
      });
      assert.deepEqual(targetStates(await settledPassingBackoff(client, created.body.post.id, passTime)), [
        "published",
      ]);

      const metrics = await scrape(client);
      const failed = { platform: "x", operation: "POST /2/tweets" };
      assert.equal(metrics.value("marketsage_platform_call_failures_total", { ...failed, kind: "ambiguous" }), 1);
      assert.equal(
        metrics.observations("marketsage_platform_call_duration_seconds", { ...failed, status_class: "5xx" }),
        1,
      );
      assert.equal(metrics.value("marketsage_publish_outcomes_total", { platform: "x", outcome: "requeued" }), 1);
      assert.equal(metrics.value("marketsage_publish_outcomes_total", published), before + 1);
    });

    test("a token refresh is counted by platform and outcome", async () => {
      const refreshed = await client.post(`/api/social-media/connections/${ids.byKey("x")}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      const metrics = await scrape(client);
      assert.equal(metrics.value("marketsage_token_refreshes_total", { platform: "x", outcome: "refreshed" }), 1);
      assert.ok(
        metrics
          .labelValues("marketsage_http_request_duration_seconds", "route")
          .has("/api/social-media/connections/:id/refresh"),
      );
    });

    test("no label names an organization, a connection, a token or a bot token", async () => {
      const metrics = await scrape(client);
      const connection = await connectionById(app.runtime.context.db, ids.byKey("x"));
      const tokens = await openTokens(app.runtime.context, connection!);
      const secrets = [
        organizationId,
        ...ids.list.map((each) => each.id),
        tokens!.accessToken,
        tokens!.refreshToken!,
        newsBot,
        newsBot.split(":")[1]!,
        metricsToken,
      ];
      const leaking = metrics.allLabelValues().filter((value) => secrets.some((secret) => value.includes(secret)));
      assert.deepEqual(leaking, []);
    });

    test("without the token, or with another, /metrics is refused", async () => {
      const bare = await client.get("/metrics");
      assert.equal(bare.status, 401);
      assert.equal(bare.body.error.code, "unauthorized");
      assert.match(bare.headers.get("www-authenticate") ?? "", /^Bearer/);
      const wrong = await client.get("/metrics", { authorization: `Bearer ${metricsToken.slice(0, -1)}x` });
      assert.equal(wrong.status, 401);
      const otherScheme = await client.get("/metrics", { authorization: metricsToken });
      assert.equal(otherScheme.status, 401);
    });

    test("the API document leaves /metrics out", async () => {
      const document = await client.get("/api/docs/json");
      assert.equal(Object.keys(document.body.paths).includes("/metrics"), false);
    });
  });
}

describe("/metrics exposure", () => {
  test("off by default: the public listener answers 404", async () => {
    const app = await startTestApp();
    try {
      const answer = await app.client().get("/metrics", withToken);
      assert.equal(answer.status, 404);
      assert.equal(app.runtime.metricsPort, undefined);
    } finally {
      await app.stop();
    }
  });

  test("METRICS_PORT: a listener of its own serves it without a token, and the public one does not", async () => {
    const app = await startTestApp({ env: { METRICS_PORT: "0" } });
    try {
      assert.equal((await app.client().get("/metrics")).status, 404);
      const answer = await fetch(`http://127.0.0.1:${app.runtime.metricsPort}/metrics`);
      assert.equal(answer.status, 200);
      const metrics = parseExposition(await answer.text());
      assert.ok(metrics.value("process_cpu_user_seconds_total") > 0);
      assert.ok(metrics.names.has("marketsage_http_request_duration_seconds"));
    } finally {
      await app.stop();
    }
  });

  test("guessing the token is cut short: past 60 tries a minute from one address, 429", async () => {
    const app = await startTestApp({ env: { METRICS_TOKEN: metricsToken } });
    try {
      const client = app.client();
      for (let attempt = 0; attempt < 60; attempt += 1) {
        assert.equal((await client.get("/metrics", { authorization: `Bearer guess-${attempt}` })).status, 401);
      }
      const refused = await client.get("/metrics", withToken);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
    } finally {
      await app.stop();
    }
  });

  test("a worker alone is scraped on METRICS_PORT", async () => {
    const app = await startTestApp({ role: "worker", env: { METRICS_PORT: "0", METRICS_TOKEN: metricsToken } });
    try {
      assert.equal(app.runtime.http, undefined);
      const answer = await fetch(`http://127.0.0.1:${app.runtime.metricsPort}/metrics`);
      const metrics = parseExposition(await answer.text());
      assert.equal(metrics.value("marketsage_workers_live"), 1);
      assert.equal(metrics.value("marketsage_queue_jobs", { queue: "posts.publish", state: "failed" }), 0);
    } finally {
      await app.stop();
    }
  });
});
