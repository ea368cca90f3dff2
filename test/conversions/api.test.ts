import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { adjustableClock, type AdjustableClock } from "../../src/clock.js";
import { createKey, KeyClient } from "../api-keys/support.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";

const conversion = (overrides: Record<string, unknown> = {}) => ({
  eventId: `order-${Math.random().toString(36).slice(2)}`,
  eventName: "purchase",
  value: "49.90",
  currency: "EUR",
  occurredAt: new Date().toISOString(),
  ...overrides,
});

for (const backend of backends) {
  describe(`POST /api/conversions on ${backend.name}`, { skip: backend.skip }, () => {
    let app: TestApp;
    let clock: AdjustableClock;
    let admin: HttpClient;
    let key: KeyClient;

    before(async () => {
      clock = adjustableClock();
      app = await startTestApp({ backend, clock });
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Shop Co");
      key = new KeyClient(app.url, (await createKey(admin, { role: "USER" })).secret);
    });
    after(() => app.stop());

    const now = () => new Date(clock.now()).toISOString();

    test("a conversion without a click is recorded unattributed, its value exact", async () => {
      const answer = await key.post(
        "/api/conversions",
        conversion({ value: 19.99, currency: "eur", occurredAt: now() }),
      );
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.body.conversion.value, "19.9900");
      assert.equal(answer.body.conversion.currency, "EUR");
      assert.equal(answer.body.conversion.replayed, false);
      assert.deepEqual(answer.body.conversion.attribution, { status: "unattributed", reason: "no_click" });
    });

    test("a replayed event id answers the first result and records nothing new", async () => {
      const first = await key.post("/api/conversions", conversion({ eventId: "order-42", occurredAt: now() }));
      assert.equal(first.status, 201);
      const replay = await key.post(
        "/api/conversions",
        conversion({ eventId: "order-42", value: "999", occurredAt: now() }),
      );
      assert.equal(replay.status, 200);
      assert.equal(replay.body.conversion.id, first.body.conversion.id);
      assert.equal(replay.body.conversion.value, first.body.conversion.value);
      assert.equal(replay.body.conversion.replayed, true);
    });

    test("an unknown click id is recorded unattributed, saying so", async () => {
      const answer = await key.post("/api/conversions", conversion({ clickId: "made-up", occurredAt: now() }));
      assert.equal(answer.status, 201);
      assert.deepEqual(answer.body.conversion.attribution, { status: "unattributed", reason: "click_unknown" });
    });

    test("a batch records each once and names a bad entry by its place", async () => {
      const batch = [conversion({ occurredAt: now() }), conversion({ occurredAt: now() })];
      const answer = await key.post("/api/conversions/batch", { conversions: batch });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.body.conversions.length, 2);
      const again = await key.post("/api/conversions/batch", { conversions: batch });
      assert.equal(again.status, 200);
      assert.ok(again.body.conversions.every((view: { replayed: boolean }) => view.replayed));

      const bad = await key.post("/api/conversions/batch", {
        conversions: [conversion({ occurredAt: now() }), conversion({ currency: "XYZ", occurredAt: now() })],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, "conversions.1.currency");
      const late = await key.post("/api/conversions/batch", {
        conversions: [conversion({ occurredAt: now() }), conversion({ occurredAt: "2001-01-01T00:00:00Z" })],
      });
      assert.equal(late.body.error.field, "conversions.1.occurredAt");
      const tooMany = await key.post("/api/conversions/batch", {
        conversions: Array.from({ length: 101 }, () => conversion({ occurredAt: now() })),
      });
      assert.equal(tooMany.status, 400);
    });

    test("bad input is a 400 naming the field", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ eventId: "" }, "eventId"],
        [{ eventId: undefined }, "eventId"],
        [{ value: "-1" }, "value"],
        [{ value: "1.23456" }, "value"],
        [{ value: "ten" }, "value"],
        [{ currency: "EURO" }, "currency"],
        [{ currency: undefined }, "currency"],
        [{ occurredAt: "yesterday" }, "occurredAt"],
        [{ occurredAt: new Date(clock.now() + 3_600_000).toISOString() }, "occurredAt"],
        [{ occurredAt: new Date(clock.now() - 91 * 86_400_000).toISOString() }, "occurredAt"],
      ];
      for (const [overrides, field] of cases) {
        const answer = await key.post("/api/conversions", conversion({ occurredAt: now(), ...overrides }));
        assert.equal(answer.status, 400, `${JSON.stringify(overrides)}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
      }
    });

    test("a GUEST's session may not record conversions; a USER's key and session may", async () => {
      const guest = app.client();
      await addMember(admin, guest, "GUEST");
      assert.equal((await guest.post("/api/conversions", conversion({ occurredAt: now() }))).status, 403);
      const user = app.client();
      await addMember(admin, user, "USER");
      assert.equal((await user.post("/api/conversions", conversion({ occurredAt: now() }))).status, 201);
      assert.equal((await user.post("/api/organization/conversion-settings/site-key")).status, 403);
    });

    test("the site key is an admin's to create and rotate; the site endpoint takes only a current one", async () => {
      const none = await admin.get("/api/organization/conversion-settings");
      assert.deepEqual(
        { siteKey: none.body.siteKey, window: none.body.attributionWindowDays, snippet: none.body.snippet },
        { siteKey: null, window: 7, snippet: null },
      );
      const created = await admin.post("/api/organization/conversion-settings/site-key");
      assert.equal(created.status, 201);
      const siteKey: string = created.body.siteKey;
      assert.match(siteKey, /^site_/);
      assert.ok(created.body.snippet.includes(`data-site-key="${siteKey}"`));

      const fromPage = await fetch(new URL("/api/conversions/site", app.url), {
        method: "POST",
        headers: { "content-type": "text/plain", origin: "https://shop.example" },
        body: JSON.stringify({ siteKey, ...conversion({ occurredAt: now() }) }),
      });
      assert.equal(fromPage.status, 201);
      assert.equal(fromPage.headers.get("access-control-allow-origin"), "*");

      const rotated = await admin.post("/api/organization/conversion-settings/site-key");
      assert.notEqual(rotated.body.siteKey, siteKey);
      const stale = await fetch(new URL("/api/conversions/site", app.url), {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ siteKey, ...conversion({ occurredAt: now() }) }),
      });
      assert.equal(stale.status, 404);
      assert.equal(((await stale.json()) as { error: { field: string } }).error.field, "siteKey");

      const apiKeyInstead = await fetch(new URL("/api/conversions/site", app.url), {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ siteKey: key.secret, ...conversion({ occurredAt: now() }) }),
      });
      assert.equal(apiKeyInstead.status, 404);

      const window = await admin.put("/api/organization/conversion-settings", { attributionWindowDays: 30 });
      assert.equal(window.status, 200);
      assert.equal(window.body.attributionWindowDays, 30);
      assert.equal(
        (await admin.put("/api/organization/conversion-settings", { attributionWindowDays: 0 })).body.error.field,
        "attributionWindowDays",
      );
    });

    test("the script is served for other sites' pages to load", async () => {
      const answer = await fetch(new URL("/c.js", app.url));
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get("content-type") ?? "", /javascript/);
      assert.equal(answer.headers.get("cross-origin-resource-policy"), "cross-origin");
      assert.match(await answer.text(), /msclid/);
    });
  });
}
