import assert from "node:assert/strict";
import { sql } from "drizzle-orm";
import { after, before, describe, test } from "node:test";
import { queues } from "../../src/jobs/queue.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import type { HttpClient } from "../support/client.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, mp4Of, settled, upload } from "./support.js";

/**
 * Media the platform takes minutes to process (a reel, a LinkedIn video): no worker waits for it.
 * The target stays publishing with what was made, a check job follows the clock with a backoff,
 * and the post goes out once when the platform is ready; past the deadline it fails, unpublished.
 */
/** An app and a sandbox whose videos take `processingSeconds` to process, with Ava's Instagram and LinkedIn. */
function slowMediaWorld(backend: (typeof backends)[number], processingSeconds: number) {
  const world = {} as {
    app: TestApp;
    sandbox: RunningSandbox;
    client: HttpClient;
    ids: Awaited<ReturnType<typeof connectionIds>>;
    passTime: (milliseconds: number) => Promise<void>;
    video: { id: string };
  };
  before(async () => {
    world.sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: processingSeconds } });
    ({ app: world.app, passTime: world.passTime } = await startAppWithSandbox({ sandbox: world.sandbox, backend }));
    world.client = world.app.client();
    await signUp(world.client);
    await createOrganization(world.client, "Slow Media Co");
    await connectThroughConsent(world.client, "instagram", { identity: "ava" });
    const linkedin = await connectThroughConsent(world.client, "linkedin", { identity: "ava" });
    await world.client.post(`/api/social-media/grants/${linkedin.searchParams.get("choose")}`, {
      externalIds: ["urn:li:person:aVaSaNdBoX1"],
    });
    world.ids = await connectionIds(world.client);
    world.video = await upload(world.client, { name: "clip.mp4", type: "video/mp4", body: mp4Of(10) });
  });
  after(async () => {
    await world.app.stop();
    await world.sandbox.close();
  });
  const journal = async (prefix: string, after: number) =>
    (await json(await fetch(`${world.sandbox.url}_sandbox/journal?prefix=${prefix}&after=${after}`))).entries as {
      seq: number;
      method: string;
      path: string;
    }[];
  return {
    runtime: () => world.app.runtime,
    journal,
    lastSeq: async () =>
      ((await json(await fetch(`${world.sandbox.url}_sandbox/journal`))).entries as { seq: number }[]).at(-1)?.seq ?? 0,
    published: async (platform: string, text: string) =>
      (
        (await json(await fetch(`${world.sandbox.url}_sandbox/published?platform=${platform}`))).items as {
          text: string;
        }[]
      ).filter((item) => item.text === text).length,
    target: async (postId: string) => (await world.client.get(`/api/posts/${postId}`)).body.post.targets[0],
    /** Passes time 15 s at a time, as the checks' backoff would have it, then waits for the post to settle. */
    passUntilSettled: async (postId: string, seconds: number) => {
      for (let passed = 0; passed < seconds; passed += 15) {
        await world.passTime(15_000);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      return settled(world.client, postId);
    },
    compose: async (content: string, platform: string, options: Record<string, unknown> = {}) => {
      const created = await world.client.post("/api/posts", {
        content,
        mediaIds: [world.video.id],
        connectionIds: [world.ids.byKey(platform)],
        options,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.post.id as string;
    },
  };
}

const statusChecks = (entries: { method: string; path: string }[]) =>
  entries.filter((entry) => entry.method === "GET" && /^\/meta\/v[\d.]+\/\d+$/.test(entry.path));

for (const backend of backends) {
  describe(`publishing media the platform is processing (${backend.name})`, { skip: backend.skip }, () => {
    const { runtime, journal, lastSeq, published, target, passUntilSettled, compose } = slowMediaWorld(backend, 90);

    test("an Instagram reel: one container, a few status checks, published once when Instagram is done", async () => {
      const since = await lastSeq();
      const postId = await compose("A reel that takes a while", "instagram", { instagram: { format: "reel" } });
      const waiting = await waitFor(
        async () => {
          const current = await target(postId);
          return current.state === "publishing" && /processing/.test(current.error ?? "") ? current : undefined;
        },
        10_000,
        "the reel to wait for Instagram",
      );
      assert.match(waiting.error, /checking again at/);
      // Real seconds pass but the app's clock does not reach the next checks: nothing polls meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const early = statusChecks(await journal("meta", since)).length;
      assert.ok(early <= 2, `status polled ${early} times before its checks were due`);
      const post = await passUntilSettled(postId, 120);
      assert.equal(post.targets[0].state, "published", post.targets[0].error);
      assert.equal(await published("instagram", "A reel that takes a while"), 1);
      const calls = await journal("meta", since);
      assert.equal(calls.filter((entry) => entry.method === "POST" && entry.path.endsWith("/media")).length, 1);
      assert.equal(calls.filter((entry) => entry.path.endsWith("/media_publish")).length, 1);
      const checks = statusChecks(calls).length;
      assert.ok(checks >= 2 && checks <= 12, `${checks} status checks`);
    });

    test("a check job lost: once its check is overdue another job goes on from the kept container, neither reconciling nor counting an attempt", async () => {
      const since = await lastSeq();
      const postId = await compose("A reel whose check was lost", "instagram", { instagram: { format: "reel" } });
      await waitFor(
        async () => (/checking again/.test((await target(postId)).error ?? "") ? true : undefined),
        10_000,
        "the reel to wait for Instagram",
      );
      await runtime().context.db.execute(
        sql`delete from pgboss.job where name = ${queues.publish} and state = 'created'`,
      );
      const post = await passUntilSettled(postId, 300);
      assert.equal(post.targets[0].state, "published", post.targets[0].error);
      assert.equal(await published("instagram", "A reel whose check was lost"), 1);
      const calls = await journal("meta", since);
      assert.equal(calls.filter((entry) => entry.method === "POST" && entry.path.endsWith("/media")).length, 1);
      assert.equal(calls.filter((entry) => entry.path.endsWith("/media_publish")).length, 1);
      // Nothing was called since the container was kept: continued, not reconciled as a lost answer.
      assert.equal(post.targets[0].attempts, 1);
      assert.equal(calls.filter((entry) => entry.method === "GET" && entry.path.endsWith("/media")).length, 0);
    });

    test("a LinkedIn video is uploaded once and posted when LinkedIn has processed it", async () => {
      const since = await lastSeq();
      const postId = await compose("A video LinkedIn processes", "linkedin");
      await waitFor(
        async () => (/processing/.test((await target(postId)).error ?? "") ? true : undefined),
        10_000,
        "the video to wait for LinkedIn",
      );
      const post = await passUntilSettled(postId, 120);
      assert.equal(post.targets[0].state, "published", post.targets[0].error);
      assert.equal(await published("linkedin", "A video LinkedIn processes"), 1);
      const calls = await journal("linkedin", since);
      // initializeUpload and finalizeUpload, once each: the video was never uploaded again.
      assert.equal(
        calls.filter((entry) => entry.method === "POST" && entry.path === "/linkedin/rest/videos").length,
        2,
      );
      assert.equal(calls.filter((entry) => entry.method === "POST" && entry.path === "/linkedin/rest/posts").length, 1);
    });
  });
}

describe("media a platform never finishes processing", () => {
  const { published, target, passUntilSettled, compose } = slowMediaWorld(backends[0]!, 3_600);

  test("still processing after Meta's five minutes: the post fails and nothing is published", async () => {
    const postId = await compose("A reel that never finishes", "instagram", { instagram: { format: "reel" } });
    await waitFor(
      async () => (/processing/.test((await target(postId)).error ?? "") ? true : undefined),
      10_000,
      "the reel to wait",
    );
    const post = await passUntilSettled(postId, 360);
    assert.equal(post.targets[0].state, "failed");
    assert.match(post.targets[0].error, /still processing the media.*nothing was published/);
    assert.equal(await published("instagram", "A reel that never finishes"), 0);
  });
});
