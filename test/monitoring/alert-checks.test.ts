import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { waitFor } from "../support/process.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds } from "../posts/support.js";
import { alertAppears } from "./alert-support.js";

describe("alerts from what the checks find: late posts, no worker", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let admin: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;

  before(async () => {
    sandbox = await startSandbox();
    ({ app, passTime } = await startAppWithSandbox({
      sandbox,
      env: { ALERT_PUBLISHING_LATE_MINUTES: "15", ALERT_WORKER_DOWN_SECONDS: "1", WORKER_STALE_AFTER_MS: "2000" },
    }));
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Late Co");
    await connectThroughConsent(admin, "x", { identity: "ava" });
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("a post held back past the bound raises one lateness alert, which resolves once it has gone out", async () => {
    // X says the window resets in two hours: the post waits, queued, past its time.
    const fault = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        prefix: "x",
        method: "POST",
        path: "/2/tweets",
        mode: "rate_limit",
        retryAfterSeconds: 7200,
      }),
    });
    assert.equal(fault.status, 201);
    const created = await admin.post("/api/posts", {
      content: "Held back by a rate limit",
      connectionIds: [(await connectionIds(admin)).byKey("x")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor(
      async () => {
        const post = (await admin.get(`/api/posts/${created.body.post.id}`)).body.post;
        return post.targets[0].state === "queued" && post.targets[0].error ? post : undefined;
      },
      15_000,
      "the post to be put back for the reset",
    );
    await passTime(10 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal((await admin.get("/api/alerts?rule=publishing_late")).body.alerts.length, 0, "late before the bound");

    await passTime(6 * 60_000);
    const late = await alertAppears(admin, (alert) => alert.rule === "publishing_late", "the lateness alert");
    assert.match(late.title, /^1 post is more than 15 minutes late$/);

    await passTime(2 * 3_600_000);
    await waitFor(
      async () => (await admin.get(`/api/alerts/${late.id}`)).body.alert.resolvedAt ?? undefined,
      20_000,
      "the lateness alert to resolve once the post went out",
    );
  });

  test("a platform failing most of an organization's calls raises one alert, resolved once the calls are gone from the window", async () => {
    const fault = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prefix: "x", method: "GET", path: "/2/users/me", mode: "error", status: 503, count: 12 }),
    });
    assert.equal(fault.status, 201);
    const x = (await connectionIds(admin)).byKey("x");
    for (let check = 0; check < 12; check += 1) await admin.post(`/api/social-media/connections/${x}/check`);
    await app.runtime.callLog.flush();
    await passTime(60_000);
    const failing = await alertAppears(
      admin,
      (alert) => alert.rule === "platform_errors" && !alert.resolvedAt,
      "the platform errors alert",
    );
    assert.equal(failing.severity, "critical");
    assert.match(failing.title, /^X's API is down for this organization$/);
    await passTime(60_000);
    assert.equal(
      (await admin.get("/api/alerts?rule=platform_errors")).body.alerts.length,
      1,
      "one alert while it lasts, not one per check",
    );
    await passTime(6 * 60_000);
    await waitFor(
      async () => (await admin.get(`/api/alerts/${failing.id}`)).body.alert.resolvedAt ?? undefined,
      20_000,
      "the platform errors alert to resolve",
    );
  });

  test("API processes alert every organization when no worker is live", async () => {
    await app.runtime.worker!.stop();
    const down = await alertAppears(
      admin,
      (alert) => alert.rule === "worker_down" && !alert.resolvedAt,
      "the no-worker alert",
      20_000,
    );
    assert.equal(down.severity, "critical");
  });
});
