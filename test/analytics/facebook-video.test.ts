import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postCounts, videoCounts } from "../../sandbox/metrics.js";
import { connectThroughConsent, type TestApp } from "../connections/support.js";
import { connectionIds, mp4Of, settled, upload } from "../posts/support.js";
import type { HttpClient } from "../support/client.js";
import type { RunningSandbox } from "../sandbox/support.js";
import { analyticsWorld, journal, published, readSince, sandboxNow } from "./support.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A video on a Facebook Page is a node of its own: its figures come from its video_insights edge
 * and its likes and comments, never from /insights (which it lacks). Read beside a feed post on
 * the same Page, in the same collection, with exact values.
 */
describe("analytics of a Facebook video", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  let clockNow: () => number;
  const postIds: string[] = [];

  before(async () => {
    ({ app, sandbox, passTime, clockNow, client } = await analyticsWorld("Northwind Video"));
    const facebook = await connectThroughConsent(client, "facebook", { identity: "ava" });
    await client.post(`/api/social-media/grants/${facebook.searchParams.get("choose")}`, {
      externalIds: ["200000000000001"],
    });
    const page = (await connectionIds(client)).byKey("facebook");
    const video = await upload(client, { name: "clip.mp4", type: "video/mp4", body: mp4Of(10) });
    for (const draft of [
      { content: "Behind the roaster", mediaIds: [video.id], connectionIds: [page] },
      { content: "Open late tonight", connectionIds: [page] },
    ]) {
      const created = await client.post("/api/posts", draft);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const post = await settled(client, created.body.post.id);
      assert.equal(post.targets[0].state, "published", JSON.stringify(post.targets));
      postIds.push(post.id);
    }
  });
  after(async () => {
    await app?.stop();
    await sandbox?.close();
  });

  test("video views, watch time, likes and comments read exactly; what a video lacks is unavailable, never 0", async () => {
    await passTime(2 * HOUR + 5 * MINUTE);
    const [videoTarget, postTarget] = await readSince(client, postIds, clockNow() - MINUTE);
    const now = await sandboxNow(sandbox);
    const items = await published(sandbox, "facebook");
    const item = (remoteId: string) => items.find((candidate) => candidate.id === remoteId)!;
    const video = videoCounts(item(videoTarget!.remoteId), now);
    const read = Object.fromEntries(Object.entries(videoTarget!.metrics).filter(([, value]) => value !== null));
    assert.deepEqual(read, {
      video_views: video.views,
      watch_time_minutes: Math.round(video.totalTimeMs / MINUTE),
      reactions: video.likes,
      comments: video.comments,
    });
    assert.ok(video.views > 0, "the sandbox counted views by now");
    const postOnly = ["views", "reach", "clicks", "shares"];
    assert.deepEqual(
      videoTarget!.unavailable
        .filter((note) => postOnly.includes(note.metric))
        .map((note) => `${note.metric}:${note.reason}`)
        .sort(),
      ["clicks:not_provided", "reach:not_provided", "shares:not_provided", "views:not_provided"],
    );
    for (const metric of postOnly) assert.equal(videoTarget!.metrics[metric] ?? null, null, `${metric} is not 0`);
    const post = postCounts(item(postTarget!.remoteId), now);
    assert.equal(postTarget!.metrics.views, post.views, "the feed post beside it is read as ever");
    assert.deepEqual(
      postTarget!.unavailable
        .filter((note) => note.metric.startsWith("video") || note.metric.startsWith("watch"))
        .map((note) => note.reason),
      ["not_provided", "not_provided"],
    );
    const paths = (await journal(sandbox, "meta", videoTarget!.remoteId)).map(
      (entry) => `${entry.status} ${entry.path}`,
    );
    assert.ok(
      paths.every((path) => path.startsWith("200 ")),
      `every read of the video answered: ${paths.join(", ")}`,
    );
    assert.ok(paths.some((path) => path.endsWith("/video_insights")));
  });
});
