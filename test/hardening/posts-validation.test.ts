import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateMasterKey } from "../../src/config.js";
import { newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { startTestApp } from "../support/app.js";
import type { Answer, HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { jpegOf, mp4Of, upload } from "../posts/support.js";

function refused(answer: Answer, status: number, field: string) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error.field, field, JSON.stringify(answer.body));
}

const inYears = (years: number) => new Date(Date.now() + years * 365 * 24 * 3_600_000).toISOString();

describe("a post's fields are bounded", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let telegramId: string;

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    client = app.client();
    await signUp(client);
    await createOrganization(client);
    const connected = await client.post("/api/social-media/bot/telegram", {
      botToken: newsBot,
      chat: "@northwind_news",
    });
    telegramId = connected.body.connection.id;
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const compose = (body: Record<string, unknown>) =>
    client.post("/api/posts", { content: "Hello", connectionIds: [telegramId], ...body });

  test("a link is http(s) only", async () => {
    for (const link of ["javascript:alert(document.cookie)", "data:text/html,<script>1</script>", "file:///etc/passwd"])
      refused(await compose({ link }), 400, "link");
    refused(await compose({ link: "https://user:secret@example.com/" }), 400, "link");
  });

  test("scheduledAt is at most two years ahead; year 9999 is refused", async () => {
    refused(await compose({ scheduledAt: "9999-12-31T23:59:59Z" }), 400, "scheduledAt");
    refused(await compose({ scheduledAt: inYears(2.1) }), 400, "scheduledAt");
    assert.equal((await compose({ scheduledAt: inYears(1.9) })).status, 201);
  });

  test("connectionIds: 10,000 entries are refused; duplicates make one target", async () => {
    refused(await compose({ connectionIds: Array.from({ length: 10_000 }, () => telegramId) }), 400, "connectionIds");
    const created = await compose({ connectionIds: [telegramId, telegramId, telegramId], scheduledAt: inYears(1) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.post.targets.length, 1);
  });

  test("a reschedule alone keeps the post's content, media and options", async () => {
    const photo = await upload(client, { name: "photo.jpg", type: "image/jpeg", body: jpegOf(100, 100) });
    const created = await compose({
      content: "Keep me",
      mediaIds: [photo.id],
      options: { youtube: { title: "Kept" } },
      scheduledAt: inYears(1),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const moved = await client.patch(`/api/posts/${created.body.post.id}`, { scheduledAt: inYears(1.5) });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.post.content, "Keep me");
    assert.deepEqual(
      moved.body.post.media.map((item: { id: string }) => item.id),
      [photo.id],
    );
    assert.deepEqual(moved.body.post.options, { youtube: { title: "Kept" } });
  });

  test("dates in filters must mean something to the database", async () => {
    refused(await client.get("/api/posts?from=0000-01-01T00:00:00Z"), 400, "from");
  });
});

describe("uploads are what they say they are", () => {
  let app: TestApp;
  let client: HttpClient;
  before(async () => {
    app = await startTestApp();
    client = app.client();
    await signUp(client);
    await createOrganization(client);
  });
  after(() => app.stop());

  const send = async (form: FormData) => {
    const answer = await fetch(new URL("/api/media", app.url), {
      method: "POST",
      headers: { origin: app.url.origin, cookie: `msid=${client.cookie("msid")}` },
      body: form,
    });
    return { status: answer.status, headers: answer.headers, body: await answer.json() };
  };
  const file = (body: Buffer, type: string) => new Blob([new Uint8Array(body)], { type });

  test("a file whose content does not match its declared type is refused", async () => {
    for (const [body, type] of [
      [Buffer.from("<svg onload=alert(1)>"), "image/png"],
      [jpegOf(100, 100), "image/png"],
      [mp4Of(5), "image/jpeg"],
      [jpegOf(100, 100), "video/mp4"],
    ] as const) {
      const form = new FormData();
      form.set("file", file(body, type), "upload");
      const answer = await send(form);
      refused(answer, 415, "file");
      assert.equal(answer.body.error.code, "content_type_mismatch");
    }
    await upload(client, { name: "photo.jpg", type: "image/jpeg", body: jpegOf(100, 100) });
    await upload(client, { name: "clip.mov", type: "video/quicktime", body: mp4Of(5) });
  });

  test("another field, a file in another field, or a second file is refused by name", async () => {
    const extraField = new FormData();
    extraField.set("file", file(jpegOf(10, 10), "image/jpeg"), "a.jpg");
    extraField.set("caption", "hello");
    refused(await send(extraField), 400, "caption");

    const wrongName = new FormData();
    wrongName.set("attachment", file(jpegOf(10, 10), "image/jpeg"), "a.jpg");
    refused(await send(wrongName), 400, "attachment");

    const twoFiles = new FormData();
    twoFiles.append("file", file(jpegOf(10, 10), "image/jpeg"), "a.jpg");
    twoFiles.append("file", file(jpegOf(10, 10), "image/jpeg"), "b.jpg");
    const answer = await send(twoFiles);
    refused(answer, 400, "file");
    assert.equal(answer.body.error.code, "too_many_files");
  });
});

describe("in production, a post's link points to the public internet", () => {
  let app: TestApp;
  let client: HttpClient;
  before(async () => {
    app = await startTestApp({ env: { NODE_ENV: "production", FIELD_ENCRYPTION_KEY: generateMasterKey() } });
    client = app.client();
    await signUp(client);
    await createOrganization(client);
  });
  after(() => app.stop());

  test("loopback, private, link-local and internal names are refused; public hosts pass validation", async () => {
    const compose = (link: string) =>
      client.post("/api/posts", { content: "x", link, connectionIds: ["00000000-0000-4000-8000-000000000000"] });
    for (const link of [
      "http://localhost:3000/admin",
      "http://127.0.0.1/",
      "http://2130706433/",
      "http://10.0.0.5/",
      "http://172.16.0.1/",
      "http://192.168.1.1/router",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[fd00::1]/",
      "http://intranet/",
      "https://printer.local/",
      "https://db.internal/",
    ])
      refused(await compose(link), 400, "link");
    const publicLink = await compose("https://northwind.example.com/spring");
    assert.equal(publicLink.body.error.field, "connectionIds", "the link passed; the made-up account did not");
  });
});
