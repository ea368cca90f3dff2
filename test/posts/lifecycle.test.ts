import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectEveryPlatform, jpegOf, upload } from "./support.js";

describe("a post's lifecycle: edit, reschedule, versions, drafts, approval", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let ids: Awaited<ReturnType<typeof connectEveryPlatform>>;
  let clock: AdjustableClock;

  before(async () => {
    sandbox = await startSandbox();
    ({ app, clock } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Lifecycle Co");
    ids = await connectEveryPlatform(client);
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const inHours = (hours: number) => new Date(clock.now() + hours * 3_600_000).toISOString();

  test("a reschedule naming only scheduledAt keeps the text, link, media and options", async () => {
    const image = await upload(client, { name: "menu.jpg", type: "image/jpeg", body: jpegOf(1080, 1080) });
    const created = await client.post("/api/posts", {
      content: "Spring menu tasting on Saturday",
      link: "https://northwind.example/spring",
      mediaIds: [image.id],
      options: { x: { threadParts: ["Booking link in our bio"] } },
      connectionIds: [ids.byKey("facebook"), ids.byKey("x")],
      scheduledAt: inHours(2),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const later = inHours(5);
    const moved = await client.patch(`/api/posts/${created.body.post.id}`, { scheduledAt: later });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const post = (await client.get(`/api/posts/${created.body.post.id}`)).body.post;
    assert.equal(new Date(post.scheduledAt).toISOString(), later);
    assert.equal(post.content, "Spring menu tasting on Saturday");
    assert.equal(post.link, "https://northwind.example/spring");
    assert.deepEqual(
      post.media.map((item: { id: string }) => item.id),
      [image.id],
    );
    assert.deepEqual(post.options, { x: { threadParts: ["Booking link in our bio"] } });
    for (const target of post.targets) assert.equal(new Date(target.dueAt).toISOString(), later);
  });
});
