import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config.js";
import { endpointUrlProblem, isPublicAddress } from "../../src/webhooks/addresses.js";
import { sendWebhook } from "../../src/webhooks/send.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { startReceiver } from "./support.js";

describe("webhooks go only to the public internet, unless development or tests allow internal receivers", () => {
  let app: TestApp;
  let admin: HttpClient;
  before(async () => {
    app = await startTestApp();
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Careful Co");
  });
  after(() => app.stop());

  for (const url of [
    "http://127.0.0.1:8080/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fd00::1]/hook",
    "http://localhost:8080/hook",
  ]) {
    test(`registering ${url} is refused, naming the field`, async () => {
      const answer = await admin.post("/api/webhooks/endpoints", { url, events: ["post.published"] });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.field, "url");
      assert.match(answer.body.error.message, /private, loopback or link-local/);
    });
  }

  test("a URL carrying credentials, or not http(s), is refused; so is changing an endpoint to an internal address", async () => {
    for (const url of ["http://user:secret@example.com/hook", "ftp://example.com/hook", "not a url"]) {
      const answer = await admin.post("/api/webhooks/endpoints", { url, events: ["post.published"] });
      assert.equal(answer.status, 400, `${url}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.field, "url");
    }
    const unknownEvent = await admin.post("/api/webhooks/endpoints", {
      url: "https://8.8.8.8/",
      events: ["post.liked"],
    });
    assert.equal(unknownEvent.status, 400);
    assert.equal(unknownEvent.body.error.field, "events.0");
    const created = await admin.post("/api/webhooks/endpoints", {
      url: "https://8.8.8.8/hook",
      events: ["post.failed"],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const moved = await admin.patch(`/api/webhooks/endpoints/${created.body.endpoint.id}`, {
      url: "http://169.254.169.254/",
    });
    assert.equal(moved.status, 400);
    assert.equal(moved.body.error.field, "url");
  });

  test("at delivery the address connected to is checked again: a name resolving to loopback gets nothing", async () => {
    const receiver = await startReceiver();
    try {
      const outcome = await sendWebhook({
        url: receiver.url("/rebound").replace("127.0.0.1", "localhost"),
        body: "{}",
        headers: { "content-type": "application/json" },
        timeoutMs: 2_000,
        policy: { httpsOnly: false, allowInternalAddresses: false },
      });
      assert.equal(outcome.delivered, false);
      assert.match(outcome.error ?? "", /localhost resolves to a private, loopback or link-local address/);
      assert.equal(receiver.received.length, 0);
      const redirected = await (async () => {
        receiver.answer("/moved", 302);
        return sendWebhook({
          url: receiver.url("/moved"),
          body: "{}",
          headers: {},
          timeoutMs: 2_000,
          policy: { httpsOnly: false, allowInternalAddresses: true },
        });
      })();
      assert.equal(redirected.delivered, false);
      assert.equal(redirected.status, 302);
      assert.match(redirected.error ?? "", /redirects are not followed/);
    } finally {
      await receiver.close();
    }
  });
});

describe("the address rules", () => {
  test("only plain unicast addresses are public", () => {
    for (const address of ["8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"]) assert.ok(isPublicAddress(address), address);
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::",
      "::1",
      "fc00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "224.0.0.1",
      "not an address",
    ])
      assert.ok(!isPublicAddress(address), address);
  });

  test("production takes https:// only", () => {
    const production = { httpsOnly: true, allowInternalAddresses: false };
    assert.equal(endpointUrlProblem("http://example.com/hook", production), "must be an https:// address");
    assert.equal(endpointUrlProblem("https://example.com/hook", production), undefined);
  });

  test("the internal-address allowance is refused in production, and off by default outside development", () => {
    const production = { NODE_ENV: "production", FIELD_ENCRYPTION_KEY: "a".repeat(64) };
    assert.throws(
      () => parseConfig({ ...production, WEBHOOK_ALLOW_INTERNAL_ADDRESSES: "true" }),
      (error: unknown) =>
        error instanceof ConfigError && error.problems.some((problem) => problem.startsWith("WEBHOOK_ALLOW_INTERNAL")),
    );
    assert.equal(parseConfig(production).webhooks.allowInternalAddresses, false);
    assert.equal(parseConfig({ NODE_ENV: "test" }).webhooks.allowInternalAddresses, false);
    assert.equal(parseConfig({ NODE_ENV: "development" }).webhooks.allowInternalAddresses, true);
  });
});
