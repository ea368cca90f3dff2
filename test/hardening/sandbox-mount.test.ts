import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateMasterKey } from "../../src/config.js";
import { sandboxTwin } from "../../sandbox/twin.js";
import { startTestApp, testControlToken, type TestApp } from "../support/app.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { startSandbox } from "../sandbox/support.js";

const fault = { prefix: "x", path: "/2/tweets", mode: "error", count: 1 };

describe("the sandbox twin's control surface, mounted in the product in development", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ sandboxTwin: sandboxTwin() });
  });
  after(() => app.stop());

  test("answers nobody who is not signed in", async () => {
    const anonymous = app.client();
    for (const answer of [
      await anonymous.get("/sandbox/_sandbox"),
      await anonymous.get("/sandbox/_sandbox/journal"),
      await anonymous.post("/sandbox/_sandbox/faults", fault),
      await anonymous.post("/sandbox/_sandbox/reset"),
    ]) {
      assert.equal(answer.status, 401, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, "unauthorized");
    }
  });

  test("answers a SUPER_ADMIN from our own pages, and refuses the same session from another site", async () => {
    const superAdmin = app.client();
    assert.equal((await signUp(superAdmin)).isSuperAdmin, true);
    assert.equal((await superAdmin.get("/sandbox/_sandbox/journal")).status, 200);
    const added = await superAdmin.post("/sandbox/_sandbox/faults", fault);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const foreign = await superAdmin.fromOrigin("https://evil.example").post("/sandbox/_sandbox/faults", fault);
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, "cross_origin");
    const noOrigin = await superAdmin.fromOrigin(null).post("/sandbox/_sandbox/reset");
    assert.equal(noOrigin.status, 403);
  });

  test("refuses an ADMIN or any other role", async () => {
    const admin = app.client();
    await signUp(admin);
    await createOrganization(admin);
    const user = app.client();
    await addMember(admin, user, "USER");
    for (const client of [admin, user]) {
      const answer = await client.get("/sandbox/_sandbox/journal");
      assert.equal(answer.status, 403, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, "forbidden");
    }
  });

  test("answers the local control token", async () => {
    const answer = await fetch(new URL("/sandbox/_sandbox/faults", app.url), {
      method: "POST",
      headers: { authorization: `Bearer ${testControlToken}`, "content-type": "application/json" },
      body: JSON.stringify(fault),
    });
    assert.equal(answer.status, 201);
  });

  test("leaves the emulated platforms themselves to the platforms' own rules", async () => {
    const answer = await fetch(new URL("/sandbox/x/2/users/me", app.url));
    assert.equal(answer.status, 401, "the platform's own refusal of a missing token, not the product's");
    assert.notEqual((await answer.json()).error?.code, "unauthorized");
  });
});

describe("the standalone sandbox", () => {
  test("keeps its open control surface on loopback, for the test suite", async () => {
    const sandbox = await startSandbox();
    try {
      const answer = await fetch(new URL("_sandbox/faults", sandbox.url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(fault),
      });
      assert.equal(answer.status, 201);
    } finally {
      await sandbox.close();
    }
  });
});

describe("in production", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      env: { NODE_ENV: "production", FIELD_ENCRYPTION_KEY: generateMasterKey() },
      sandboxTwin: sandboxTwin(),
    });
  });
  after(() => app.stop());

  test("no /sandbox route is served at all, even when a twin is handed to the runtime", async () => {
    const routes = app.runtime.http!.app.printRoutes({ commonPrefix: false });
    assert.equal(routes.includes("sandbox"), false, routes);
    const superAdmin = app.client();
    await signUp(superAdmin);
    // Answered as any unknown address is: a 404, or the dashboard's page when it is built.
    const unknown = await superAdmin.get("/no-such-page");
    for (const path of ["/sandbox/_sandbox", "/sandbox/_sandbox/journal", "/sandbox/x/2/users/me", "/sandbox/"]) {
      const answer = await superAdmin.get(path);
      assert.equal(answer.status, unknown.status, path);
      if (answer.status === 404) assert.equal(answer.body.error.code, "not_found");
      else assert.equal(answer.body, unknown.body, path);
    }
    for (const path of ["/sandbox/_sandbox/reset", "/sandbox/_sandbox/faults"])
      assert.equal((await superAdmin.post(path, {})).status, 404, path);
  });
});
