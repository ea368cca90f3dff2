import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { signUp, testPassword, uniqueEmail } from "../support/factories.js";

/** Behind a proxy that says where each request came from (TRUST_PROXY), as in production. */
const from = (address: string) => ({ "x-forwarded-for": address });

describe("sign-in throttling stops the guesser, not the owner", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { TRUST_PROXY: "true", LOGIN_FAILURES_PER_EMAIL: "5", LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "1000" },
    });
  });
  after(() => app.stop());

  const signIn = (client: HttpClient, email: string, password: string, address: string) =>
    client.post("/api/auth/login", { email, password }, from(address));

  async function fail(email: string, address: string, times: number) {
    for (let attempt = 0; attempt < times; attempt += 1) {
      const answer = await signIn(app.client(), email, "not the password", address);
      assert.equal(answer.status, 401, JSON.stringify(answer.body));
    }
  }

  test("five wrong passwords from one address: the owner elsewhere still signs in", async () => {
    const email = uniqueEmail("owner");
    await signUp(app.client(), { email });
    await fail(email, "203.0.113.10", 5);
    const owner = await signIn(app.client(), email, testPassword, "198.51.100.7");
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
  });

  test("the guessing address is locked out of that email, right password or not", async () => {
    const email = uniqueEmail("owner");
    await signUp(app.client(), { email });
    await fail(email, "203.0.113.11", 5);
    const guessed = await signIn(app.client(), email, testPassword, "203.0.113.11");
    assert.equal(guessed.status, 429);
    assert.equal(guessed.body.error.code, "too_many_attempts");
    assert.equal(guessed.body.error.field, "email");
    assert.ok(Number(guessed.headers.get("retry-after")) > 0);
  });

  test("an attacker sharing the owner's address cannot lock out the owner's own browser", async () => {
    const email = uniqueEmail("owner");
    const owner = app.client();
    await signUp(owner, { email });
    await owner.post("/api/auth/logout");
    await fail(email, "192.0.2.50", 5);
    const answer = await signIn(owner, email, testPassword, "192.0.2.50");
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  test("guessing spread over many addresses: only devices the account has used get in", async () => {
    const email = uniqueEmail("owner");
    const laptop = app.client();
    await signUp(laptop, { email });
    await laptop.post("/api/auth/logout");
    for (let address = 1; address <= 20; address += 1) await fail(email, `198.18.0.${address}`, 1);

    const newPhone = await signIn(app.client(), email, testPassword, "198.51.100.99");
    assert.equal(newPhone.status, 429, JSON.stringify(newPhone.body));
    assert.match(newPhone.body.error.message, /device you have used before/);
    const known = await signIn(laptop, email, testPassword, "198.51.100.99");
    assert.equal(known.status, 200, JSON.stringify(known.body));
  });

  test("a browser signed in as the account passes too", async () => {
    const email = uniqueEmail("owner");
    const session = app.client();
    await signUp(session, { email });
    for (let address = 1; address <= 20; address += 1) await fail(email, `198.18.1.${address}`, 1);
    const answer = await session.post("/api/auth/login", { email, password: testPassword }, from("198.51.100.98"));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  test("a device cookie the account never saw counts for nothing", async () => {
    const email = uniqueEmail("owner");
    await signUp(app.client(), { email });
    await fail(email, "203.0.113.12", 5);
    const forged = await app
      .client()
      .post(
        "/api/auth/login",
        { email, password: testPassword },
        { ...from("203.0.113.12"), cookie: `msdevice=${"A".repeat(43)}` },
      );
    assert.equal(forged.status, 429);
  });
});
