import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { jpegOf, upload } from "../posts/support.js";

/** Every refusal speaks the app's shape: `{ error: { code, message, field? } }` and nothing else. */
function appShaped(body: any) {
  assert.equal(typeof body, "object", `not JSON: ${String(body)}`);
  assert.deepEqual(Object.keys(body), ["error"], JSON.stringify(body));
  assert.equal(typeof body.error.code, "string");
  assert.equal(typeof body.error.message, "string");
  for (const key of Object.keys(body.error)) assert.ok(["code", "message", "field"].includes(key), key);
}

describe("framework errors answer in the app's shape, never 500", () => {
  let app: TestApp;
  let client: HttpClient;

  before(async () => {
    app = await startTestApp();
    client = app.client();
    await signUp(client);
    await createOrganization(client);
  });
  after(() => app.stop());

  const raw = (path: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit }) =>
    fetch(new URL(path, app.url), {
      method: init.method ?? "POST",
      headers: { origin: app.url.origin, cookie: `msid=${client.cookie("msid")}`, ...init.headers },
      body: init.body,
    });

  test("multipart without a boundary is a 400 naming the file field", async () => {
    const answer = await raw("/api/media", { headers: { "content-type": "multipart/form-data" }, body: "whatever" });
    const body = await answer.json();
    assert.equal(answer.status, 400, JSON.stringify(body));
    appShaped(body);
    assert.equal(body.error.field, "file");
  });

  test("a multipart form cut short is a 400", async () => {
    const cut =
      '--b\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\nabc';
    const answer = await raw("/api/media", {
      headers: { "content-type": "multipart/form-data; boundary=b" },
      body: cut,
    });
    const body = await answer.json();
    assert.equal(answer.status, 400, JSON.stringify(body));
    appShaped(body);
  });

  test("JSON sent to the upload endpoint is a 415 that says how to upload", async () => {
    const answer = await client.post("/api/media", { file: "photo.jpg" });
    assert.equal(answer.status, 415, JSON.stringify(answer.body));
    appShaped(answer.body);
    assert.equal(answer.body.error.field, "file");
  });

  test("a path parameter over 100 characters reaches its schema, whose 400 names it", async () => {
    const answer = await client.get(`/api/posts/${"a".repeat(101)}`);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    appShaped(answer.body);
    assert.equal(answer.body.error.field, "id");
  });

  test("a path parameter longer than any route takes answers in the app's shape", async () => {
    const answer = await client.get(`/api/posts/${"a".repeat(5_000)}`);
    // 414 from the router; 404 when the dashboard is built, whose catch-all route takes what no other matches.
    assert.ok([404, 414].includes(answer.status), String(answer.status));
    appShaped(answer.body);
  });

  test("an address longer than Node's header limit is a 431 in the app's shape", async () => {
    const answer = await client.get(`/api/posts?from=${"a".repeat(20_000)}`);
    assert.equal(answer.status, 431);
    appShaped(answer.body);
  });

  test("a badly escaped path, invalid JSON, an empty JSON body and an unknown content type", async () => {
    const badEscape = await client.get("/api/posts/%zz");
    assert.equal(badEscape.status, 400);
    appShaped(badEscape.body);
    for (const [headers, body, status] of [
      [{ "content-type": "application/json" }, "{not json", 400],
      [{ "content-type": "application/json" }, "", 400],
      [{ "content-type": "application/x-unknown" }, "name=x", 415],
      [{ "content-type": "application/json" }, '{"__proto__":{"admin":true},"name":"Proto"}', 400],
    ] as const) {
      const answer = await raw("/api/organizations", { headers, body });
      assert.equal(answer.status, status, `${headers["content-type"]} ${body}`);
      appShaped(await answer.json());
    }
  });

  test("a file name of 120 characters still makes a public URL that serves the file", async () => {
    const name = `${"n".repeat(116)}.jpg`;
    const media = await upload(client, { name, type: "image/jpeg", body: jpegOf(10, 10) });
    assert.ok(new URL(media.url).pathname.endsWith(name));
    const served = await fetch(new URL(new URL(media.url).pathname, app.url));
    assert.equal(served.status, 200);
    await served.arrayBuffer();
  });
});

describe("authenticated answers are not cached", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.stop());

  test("/api answers, success or error, carry Cache-Control: no-store", async () => {
    const client = app.client();
    await signUp(client);
    await createOrganization(client);
    for (const path of ["/api/auth/me", "/api/organization", "/api/organization/members", "/api/posts/not-an-id"]) {
      const answer = await client.get(path);
      assert.equal(answer.headers.get("cache-control"), "no-store", path);
    }
  });
});
