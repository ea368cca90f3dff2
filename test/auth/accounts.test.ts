import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import { signUp, testPassword, uniqueEmail } from "../support/factories.js";

describe("accounts and sessions", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { LOGIN_FAILURES_PER_EMAIL: "3", LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "40" } });
  });
  after(() => app.stop());

  test("the first account is SUPER_ADMIN and later ones are not", async () => {
    const first = await signUp(app.client());
    const second = await signUp(app.client());
    assert.equal(first.isSuperAdmin, true);
    assert.equal(second.isSuperAdmin, false);
  });

  test("sign-up sets an httpOnly SameSite session cookie and /me answers with the user", async () => {
    const client = app.client();
    const email = uniqueEmail();
    const answer = await client.post("/api/auth/signup", {
      email: email.toUpperCase(),
      name: "Casey",
      password: testPassword,
    });
    assert.equal(answer.status, 201);
    const cookie = answer.headers.getSetCookie().find((line) => line.startsWith("msid="));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const me = await client.get("/api/auth/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, email, "emails are stored lower-cased");
    assert.deepEqual(me.body.organizations, []);
    assert.equal(me.body.activeOrganization, null);
  });

  test("bad sign-up input answers 400 naming the field", async () => {
    const client = app.client();
    const shortPassword = await client.post("/api/auth/signup", { email: uniqueEmail(), name: "A", password: "short" });
    assert.equal(shortPassword.status, 400);
    assert.equal(shortPassword.body.error.field, "password");
    assert.match(shortPassword.body.error.message, /password: must be at least 10 characters/);
    const badEmail = await client.post("/api/auth/signup", {
      email: "not-an-email",
      name: "A",
      password: testPassword,
    });
    assert.equal(badEmail.body.error.field, "email");
    const missingName = await client.post("/api/auth/signup", { email: uniqueEmail(), password: testPassword });
    assert.equal(missingName.status, 400);
    assert.equal(missingName.body.error.field, "name");
  });

  test("an email can hold one account, whatever its case", async () => {
    const email = uniqueEmail();
    await signUp(app.client(), { email });
    const again = await app
      .client()
      .post("/api/auth/signup", { email: email.toUpperCase(), name: "B", password: testPassword });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "email_taken");
    assert.equal(again.body.error.field, "email");
  });

  test("log in, log out, and the old cookie no longer works", async () => {
    const email = uniqueEmail();
    await signUp(app.client(), { email });
    const client = app.client();
    const wrong = await client.post("/api/auth/login", { email, password: "not the password" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, "invalid_credentials");
    const login = await client.post("/api/auth/login", { email, password: testPassword });
    assert.equal(login.status, 200);
    const stolenCookie = client.cookie("msid");
    assert.ok(stolenCookie);
    assert.equal((await client.get("/api/auth/me")).status, 200);
    assert.equal((await client.post("/api/auth/logout")).status, 204);
    assert.equal((await client.get("/api/auth/me")).status, 401);
    const replay = await fetch(new URL("/api/auth/me", app.url), { headers: { cookie: `msid=${stolenCookie}` } });
    assert.equal(replay.status, 401);
  });

  test("an unknown email and a wrong password get the same answer", async () => {
    const unknown = await app
      .client()
      .post("/api/auth/login", { email: uniqueEmail("nobody"), password: testPassword });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.message, "Email or password is incorrect.");
  });

  test("repeated failures for one email from one address lock that address out for the window, even with the right password", async () => {
    const email = uniqueEmail();
    await signUp(app.client(), { email });
    const client = app.client();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      assert.equal((await client.post("/api/auth/login", { email, password: "wrong password!" })).status, 401);
    }
    const locked = await client.post("/api/auth/login", { email, password: testPassword });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, "too_many_attempts");
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
    const otherEmail = uniqueEmail();
    await signUp(app.client(), { email: otherEmail });
    assert.equal((await client.post("/api/auth/login", { email: otherEmail, password: testPassword })).status, 200);
  });

  test("cookie-authenticated changes from another site are refused", async () => {
    const client = app.client();
    await signUp(client);
    const foreign = await client.fromOrigin("https://evil.example").post("/api/organizations", { name: "Phish" });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, "cross_origin");
    const noOrigin = await client.fromOrigin(null).post("/api/organizations", { name: "Phish" });
    assert.equal(noOrigin.status, 403);
    assert.equal((await client.post("/api/organizations", { name: "Real" })).status, 201);
  });

  test("CORS allows no other origin", async () => {
    const preflight = await fetch(new URL("/api/auth/me", app.url), {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  });

  test("responses carry helmet's security headers", async () => {
    const answer = await fetch(new URL("/api/health", app.url));
    assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
    assert.match(answer.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  });
});

describe("login rate limit per IP", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "4" } });
  });
  after(() => app.stop());

  test("the fifth attempt in a minute from one address answers 429", async () => {
    const client = app.client();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      statuses.push((await client.post("/api/auth/login", { email: uniqueEmail(), password: testPassword })).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
  });
});
