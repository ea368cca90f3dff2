import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "./support.js";

/** TikTok through the product: an unaudited app (the default) posting to a private account. */
describe("TikTok against the platform sandbox", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let tiktokId: string;
  let clock: AdjustableClock;
  let passTime: (milliseconds: number) => Promise<void>;

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 } });
    ({ app, clock, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Short Video Co");
    await connectThroughConsent(client, "tiktok", { identity: "ava" });
    tiktokId = (await connectionIds(client)).byKey("tiktok");
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const compose = (body: Record<string, unknown>) => client.post("/api/posts", body);
  const published = async () =>
    (await json(await fetch(`${sandbox.url}_sandbox/published?platform=tiktok`))).items as { text: string }[];

  test("the platform list says the app is not audited, so the composer offers only “Only me”", async () => {
    const answer = await client.get("/api/social-media/platforms");
    const tiktok = answer.body.platforms.find((platform: { id: string }) => platform.id === "tiktok");
    assert.deepEqual(tiktok.flags, { audited: false });
    assert.equal(tiktok.method, "oauth");
  });

  test("the composer is told what the creator allows now: who posts, the privacy levels, what is switched off", async () => {
    const answer = await client.get(`/api/social-media/connections/${tiktokId}/allowance`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.allowance, {
      postingAs: "Northwind Coffee",
      choices: { privacy: ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"] },
      disabled: ["allowStitch"],
      maxVideoSeconds: 600,
    });
    const asked = await json(
      await fetch(`${sandbox.url}_sandbox/journal?prefix=tiktok&path=/v2/post/publish/creator_info/query/`),
    );
    assert.ok(asked.entries.length > 0, "asked of TikTok, not remembered");
  });

  test("privacy is the user's choice, and an unaudited app may choose only SELF_ONLY", async () => {
    const clip = await upload(client, "/clip.mp4");
    const unchosen = await compose({ content: "No choice", mediaIds: [clip.id], connectionIds: [tiktokId] });
    assert.equal(unchosen.status, 400);
    assert.equal(unchosen.body.error.field, "options.tiktok.privacy");
    assert.match(unchosen.body.error.message, /Choose who can see this TikTok post/);
    const everyone = await compose({
      content: "For everyone",
      mediaIds: [clip.id],
      connectionIds: [tiktokId],
      options: { tiktok: { privacy: "PUBLIC_TO_EVERYONE" } },
    });
    assert.equal(everyone.status, 400);
    assert.equal(everyone.body.error.field, "options.tiktok.privacy");
    assert.match(everyone.body.error.message, /Until TikTok audits this app/);
    const textOnly = await compose({
      content: "TikTok has no text posts",
      connectionIds: [tiktokId],
      options: { tiktok: { privacy: "SELF_ONLY" } },
    });
    assert.equal(textOnly.body.error.field, "mediaIds");
    const unknownLevel = await compose({
      content: "?",
      mediaIds: [clip.id],
      connectionIds: [tiktokId],
      options: { tiktok: { privacy: "FRIENDS" } },
    });
    assert.equal(unknownLevel.status, 400);
    assert.equal(unknownLevel.body.error.field, "options.tiktok.privacy");
  });

  test("a video now: published privately, with the publish_id as its reference and the profile as its address", async () => {
    const clip = await upload(client, "/clip.mp4");
    const created = await compose({
      content: "Morning roast #coffee",
      mediaIds: [clip.id],
      connectionIds: [tiktokId],
      options: { tiktok: { privacy: "SELF_ONLY", allowComments: true } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.post.options, { tiktok: { privacy: "SELF_ONLY", allowComments: true } });
    const post = await settled(client, created.body.post.id, 40_000);
    const [target] = post.targets;
    assert.equal(target.state, "published", target.error);
    assert.equal(post.status, "published");
    assert.match(target.postId, /^v_pub_/);
    assert.equal(target.url, "https://www.tiktok.com/@northwind.coffee");
    assert.ok((await published()).some((item) => item.text === "Morning roast #coffee"));
  });

  test("a scheduled video is shown scheduled, then published", async () => {
    const clip = await upload(client, "/clip.mp4");
    const created = await compose({
      content: "Scheduled pour-over",
      mediaIds: [clip.id],
      connectionIds: [tiktokId],
      scheduledAt: new Date(clock.now() + 3_000).toISOString(),
      options: { tiktok: { privacy: "SELF_ONLY" } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.post.status, "scheduled");
    await passTime(3_000);
    const post = await settled(client, created.body.post.id, 40_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.equal(post.status, "published");
  });

  test("photos: pulled from the app's media URLs as one photo post", async () => {
    const photo = await upload(client, "/photo.jpg");
    const created = await compose({
      content: "Two roasts, side by side",
      mediaIds: [photo.id, photo.id],
      connectionIds: [tiktokId],
      options: { tiktok: { privacy: "SELF_ONLY" } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id, 40_000);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.match(post.targets[0].postId, /^p_pub_/);
  });
});
