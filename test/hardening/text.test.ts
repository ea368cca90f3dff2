import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import type { Answer, HttpClient } from "../support/client.js";
import { createOrganization, signUp, testPassword, uniqueEmail } from "../support/factories.js";
import type { RunningSandbox } from "../sandbox/support.js";

function refusedText(answer: Answer, field: string) {
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, "invalid_text");
  assert.equal(answer.body.error.field, field);
  assert.match(answer.body.error.message, new RegExp(`^${field.replaceAll(".", "\\.")} `));
}

describe("text the database cannot store is refused with a 400 naming the field", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let admin: HttpClient;
  let telegramId: string;
  const nextWeek = () => new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    admin = app.client();
    await signUp(admin);
    await createOrganization(admin, "Plain Text Co");
    const connected = await admin.post("/api/social-media/bot/telegram", {
      botToken: newsBot,
      chat: "@northwind_news",
    });
    assert.equal(connected.status, 201, JSON.stringify(connected.body));
    telegramId = connected.body.connection.id;
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("a NUL in an organization name, on create and on rename; the name stays as it was", async () => {
    refusedText(await admin.post("/api/organizations", { name: "Acme\u0000 Ltd" }), "name");
    refusedText(await admin.patch("/api/organization", { name: "Acme\u0000" }), "name");
    assert.equal((await admin.get("/api/organization")).body.organization.name, "Plain Text Co");
  });

  test("a NUL in a sign-up name; the same email then signs up with a clean name", async () => {
    const email = uniqueEmail("nul");
    refusedText(
      await app.client().post("/api/auth/signup", { email, name: "Ada\u0000", password: testPassword }),
      "name",
    );
    await signUp(app.client(), { email, name: "Ada" });
  });

  test("a NUL in post content, on create and on edit", async () => {
    refusedText(await admin.post("/api/posts", { content: "Hello\u0000", connectionIds: [telegramId] }), "content");
    const created = await admin.post("/api/posts", {
      content: "Scheduled",
      connectionIds: [telegramId],
      scheduledAt: nextWeek(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.post.id;
    refusedText(await admin.patch(`/api/posts/${id}`, { content: "Edited\u0000" }), "content");
    assert.equal((await admin.get(`/api/posts/${id}`)).body.post.content, "Scheduled");
  });

  test("a nested field is named by its path", async () => {
    refusedText(
      await admin.post("/api/posts", {
        content: "A thread",
        connectionIds: [telegramId],
        options: { x: { threadParts: ["fine", "not\u0000fine"] } },
      }),
      "options.x.threadParts.1",
    );
  });

  test("a lone surrogate in a rename is refused whole: no half-applied rename", async () => {
    refusedText(await admin.patch("/api/organization", { name: "x\ud800" }), "name");
    refusedText(await admin.patch("/api/organization", { name: "\udc00 trailing" }), "name");
    assert.equal((await admin.get("/api/organization")).body.organization.name, "Plain Text Co");
    const renamed = await admin.patch("/api/organization", { name: "Café 😀 مرحبا" });
    assert.equal(renamed.status, 200, "a surrogate pair, accents and right-to-left text are ordinary text");
    assert.equal((await admin.get("/api/organization")).body.organization.name, "Café 😀 مرحبا");
  });

  test("in a query string and in a path", async () => {
    refusedText(await admin.get("/api/audit?targetType=post%00"), "targetType");
    refusedText(await admin.get("/media/abc%00def/photo.jpg"), "token");
  });
});
