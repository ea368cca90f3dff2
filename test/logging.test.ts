import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { redactUrl } from "../src/http/logger.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { createOrganization, signUp, testPassword, uniqueEmail } from "./support/factories.js";

describe("logs", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ captureLogs: true });
  });
  after(() => app.stop());

  test("carry no password, session secret or invitation secret", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin);
    const invitation = await admin.post("/api/organization/invitations", { email: uniqueEmail(), role: "USER" });
    const token = new URL(invitation.body.invitation.url).pathname.split("/").at(-1)!;
    await app.client().get(`/api/invitations/${token}`);
    await app.client().post("/api/auth/login", { email: uniqueEmail(), password: testPassword });
    const secret = admin.cookie("msid")!;

    const logs = app.logs.join("");
    assert.ok(logs.includes("/api/invitations/[redacted]"), "requests were logged");
    for (const leaked of [testPassword, secret, token])
      assert.equal(logs.includes(leaked), false, `log contains ${leaked.slice(0, 6)}…`);
  });

  test("redactUrl cuts invitation secrets from paths", () => {
    assert.equal(redactUrl("/invite/abc123?x=1"), "/invite/[redacted]?x=1");
    assert.equal(redactUrl("/api/invitations/abc123/accept"), "/api/invitations/[redacted]/accept");
    assert.equal(redactUrl("/api/organization/invitations"), "/api/organization/invitations");
    assert.equal(redactUrl("/api/auth/callback/x?code=abc&state=def"), "/api/auth/callback/x?[redacted]");
    assert.equal(redactUrl("/sandbox/telegram/bot123:AAsecret/getMe"), "/sandbox/telegram/bot[redacted]/getMe");
  });
});
