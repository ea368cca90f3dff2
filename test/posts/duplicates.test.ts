import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { HttpClient } from "../support/client.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { publishedCount, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, newsBot, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled } from "./support.js";

/**
 * X refuses the same text twice from one account. Before scheduling, the composer asks which
 * chosen accounts already have the text, published lately or still to go out; the create answer
 * says the same. A warning, never a refusal: the post is still created.
 */
describe("the duplicate guard", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let x: string;
  let telegram: string;

  before(async () => {
    sandbox = await startSandbox();
    ({ app } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Echo Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    await client.post("/api/social-media/bot/telegram", { botToken: newsBot, chat: "@northwind_news" });
    const ids = await connectionIds(client);
    x = ids.byKey("x");
    telegram = ids.byKey("telegram");
  });
  after(async () => {
    await app?.stop();
    await sandbox?.close();
  });

  const check = (body: Record<string, unknown>, as = client) => as.post("/api/posts/check-duplicates", body);

  test("text published on X a moment ago is found for X, not for Telegram, whatever its spacing and case", async () => {
    const published = await client.post("/api/posts", { content: "Fresh bread at seven", connectionIds: [x] });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.deepEqual(published.body.warnings, [], "a first post has nothing to repeat");
    const post = await settled(client, published.body.post.id);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(await publishedCount(sandbox, "x", "Fresh bread at seven"), 1);

    const answer = await check({ content: "  fresh BREAD   at seven ", connectionIds: [x, telegram] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.warnings.length, 1);
    const [warning] = answer.body.warnings;
    assert.equal(warning.code, "duplicate_text");
    assert.equal(warning.connectionId, x);
    assert.match(warning.message, /X refuses the same text twice/);
    assert.deepEqual(
      warning.matches.map((match: { postId: string; state: string }) => [match.postId, match.state]),
      [[published.body.post.id, "published"]],
    );
    assert.deepEqual((await check({ content: "Fresh bread at eight", connectionIds: [x] })).body.warnings, []);
  });

  test("a scheduled post's text counts too, and the create answer warns without refusing", async () => {
    const scheduledAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const first = await client.post("/api/posts", { content: "Weekend market", connectionIds: [x], scheduledAt });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await client.post("/api/posts", {
      content: "Weekend market",
      connectionIds: [x, telegram],
      scheduledAt,
    });
    assert.equal(second.status, 201, "a warning is not a refusal");
    assert.equal(second.body.warnings.length, 1);
    assert.equal(second.body.warnings[0].field, "content");
    assert.match(second.body.warnings[0].message, /already has a post with this text/);
    const both = await check({ content: "Weekend market", connectionIds: [x, telegram] });
    assert.equal(both.body.warnings.length, 1);
    assert.equal(both.body.warnings[0].connectionId, x);
    assert.deepEqual(
      both.body.warnings[0].matches.map((match: { postId: string }) => match.postId).sort(),
      [first.body.post.id, second.body.post.id].sort(),
    );
    assert.equal(both.body.warnings[0].matches[0].state, "scheduled");
    assert.equal(both.body.warnings[0].matches[0].at, new Date(scheduledAt).toISOString());
    const editing = await check({
      content: "Weekend market",
      connectionIds: [x],
      excludePostId: second.body.post.id,
    });
    assert.equal(editing.body.warnings[0].matches.length, 1, "the post being edited is no duplicate of itself");
  });

  test("an edit to text the account already has is answered with the same warning", async () => {
    const scheduledAt = new Date(Date.now() + 8 * 86_400_000).toISOString();
    const created = await client.post("/api/posts", { content: "Something new", connectionIds: [x], scheduledAt });
    assert.deepEqual(created.body.warnings, []);
    const edited = await client.patch(`/api/posts/${created.body.post.id}`, { content: "Weekend market" });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.warnings.length, 1);
    assert.match(edited.body.warnings[0].message, /X refuses the same text twice/);
  });

  test("a cancelled post no longer counts", async () => {
    const scheduledAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const created = await client.post("/api/posts", { content: "Called off", connectionIds: [x], scheduledAt });
    const cancelled = await client.delete(`/api/posts/${created.body.post.id}`);
    assert.equal(cancelled.status, 204, JSON.stringify(cancelled.body));
    assert.deepEqual((await check({ content: "Called off", connectionIds: [x] })).body.warnings, []);
  });

  test("another organization's account is refused naming connectionIds; a guest may not ask", async () => {
    const outsider = app.client();
    await signUp(outsider);
    await createOrganization(outsider, "Elsewhere Ltd");
    const foreign = await check({ content: "Fresh bread at seven", connectionIds: [x] }, outsider);
    assert.equal(foreign.status, 400, JSON.stringify(foreign.body));
    assert.equal(foreign.body.error.field, "connectionIds");
    const theirs = await outsider.post("/api/posts", { content: "Draft elsewhere", connectionIds: [], draft: true });
    assert.equal(theirs.status, 201, JSON.stringify(theirs.body));
    const excluding = await check({ content: "Hello", connectionIds: [x], excludePostId: theirs.body.post.id });
    assert.equal(excluding.status, 404, JSON.stringify(excluding.body));
    assert.equal(excluding.body.error.field, "excludePostId");
    const guest = app.client();
    await addMember(client, guest, "GUEST");
    assert.equal((await check({ content: "Fresh bread at seven", connectionIds: [x] }, guest)).status, 403);
    const bad = await check({ content: "x", connectionIds: ["not-an-id"] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "connectionIds.0");
  });
});
