import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { instagramProfile } from "../../src/platforms/instagram.profile.js";
import { classifyGraphError, graphBudget } from "../../src/platforms/meta-graph.js";
import { draftProblems, type MediaFacts } from "../../src/platforms/profile.js";
import { createOrganization, signUp } from "../support/factories.js";
import { waitFor } from "../support/process.js";
import type { HttpClient } from "../support/client.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, settled, upload } from "./support.js";

const now = Date.parse("2026-11-26T10:00:00Z");
const answer = (error: Record<string, unknown>, headers: Record<string, string> = {}) =>
  classifyGraphError({ status: 400, headers: new Headers(headers), body: { error }, receivedAt: now });

describe("Meta's errors, by code and subcode", () => {
  test("only token errors touch the connection: 190 and 102, expired on 463, invalid otherwise", () => {
    assert.deepEqual(answer({ message: "Session has expired", code: 190, error_subcode: 463 }), {
      kind: "token_expired",
    });
    for (const subcode of [458, 460, 467, undefined])
      assert.equal(
        answer({ message: "Error validating access token", code: 190, error_subcode: subcode })?.kind,
        "token_invalid",
      );
    assert.equal(answer({ message: "Session key invalid", code: 102 })?.kind, "token_invalid");
  });

  test("permission errors (10, 200–299) fail the post in Meta's words and leave the token be", () => {
    const pageTask = answer({
      message: "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts",
      code: 200,
    });
    assert.equal(pageTask?.kind, "rejected");
    assert.match((pageTask as { userMessage: string }).userMessage, /pages_manage_posts/);
    const authorization = answer({
      message: "(#10) Application does not have permission for this action",
      code: 10,
      error_subcode: 2069007,
      error_user_msg: "Confirm your identity to publish as this Page.",
    });
    assert.equal(authorization?.kind, "rejected");
    assert.match((authorization as { userMessage: string }).userMessage, /Confirm your identity.*subcode 2069007/);
    assert.equal(answer({ message: "(#299) Requires manage permission", code: 299 })?.kind, "rejected");
  });

  test("throttling, the BUC codes included, waits for Meta's estimate", () => {
    const usage = {
      "x-business-use-case-usage": JSON.stringify({
        "1784": [{ type: "instagram", call_count: 100, estimated_time_to_regain_access: 7 }],
      }),
    };
    for (const code of [4, 17, 32, 613, 80001, 80002]) {
      const failure = answer({ message: "too many calls", code }, usage);
      assert.equal(failure?.kind, "rate_limited", `code ${code}`);
      assert.equal((failure as { retryAt: Date }).retryAt.getTime(), now + 7 * 60_000);
    }
    const silent = answer({ message: "There have been too many calls to this Instagram account", code: 80002 });
    assert.equal((silent as { retryAt: Date }).retryAt.getTime(), now + 60 * 60_000);
  });

  test("a successful answer at 100 % of a budget spends it until the estimate", () => {
    assert.equal(graphBudget(new Headers({ "x-app-usage": '{"call_count":42,"total_time":10}' }), now), undefined);
    assert.deepEqual(graphBudget(new Headers({ "x-app-usage": '{"call_count":12,"total_cputime":100}' }), now), {
      remaining: 0,
      resetAt: new Date(now + 60 * 60_000),
    });
    const business = new Headers({
      "x-business-use-case-usage": JSON.stringify({
        "2000": [{ type: "pages", call_count: 100, total_time: 3, estimated_time_to_regain_access: 12 }],
      }),
    });
    assert.deepEqual(graphBudget(business, now), { remaining: 0, resetAt: new Date(now + 12 * 60_000) });
    assert.equal(graphBudget(new Headers({ "x-app-usage": "not json" }), now), undefined);
  });
});

describe("an Instagram carousel", () => {
  const image: MediaFacts = {
    fileName: "a.jpg",
    contentType: "image/jpeg",
    sizeBytes: 1_000,
    width: 1080,
    height: 1080,
  };
  const video: MediaFacts = { fileName: "b.mp4", contentType: "video/mp4", sizeBytes: 1_000, durationSeconds: 10 };
  const problems = (media: MediaFacts[]) =>
    draftProblems(
      instagramProfile,
      { content: "A carousel", media, options: { format: "post" }, mediaOf: () => undefined },
      { flags: {} },
    ).filter((problem) => /together/.test(problem.message));

  test("holds 2 to 10 items, images and videos counted together", () => {
    assert.deepEqual(problems([...Array(6).fill(image), ...Array(4).fill(video)]), []);
    const eleven = problems([...Array(6).fill(image), ...Array(5).fill(video)]);
    assert.equal(eleven.length, 1);
    assert.match(eleven[0]!.message, /2 to 10 images and videos together .*this has 11/);
  });
});

describe("an Instagram account out of its Business Use Case budget", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;

  before(async () => {
    // Three calls an hour: the limit read, the container and its status; what comes next is throttled.
    sandbox = await startSandbox({ limits: { instagramCallsPerHour: 3 } });
    ({ app, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Busy Account Co");
    await connectThroughConsent(client, "instagram", { identity: "ava" });
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("code 80002 puts the post back until Meta's estimate, the connection rate limited; then it goes out once", async () => {
    const ids = await connectionIds(client);
    const image = await upload(client, "/photo.jpg");
    const created = await client.post("/api/posts", {
      content: "Posted once the account may call again",
      mediaIds: [image.id],
      connectionIds: [ids.byKey("instagram")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const postId = created.body.post.id;
    const waiting = await waitFor(
      async () => {
        const target = (await client.get(`/api/posts/${postId}`)).body.post.targets[0];
        return target.state === "queued" && target.error ? target : undefined;
      },
      15_000,
      "the post to wait for the rate limit",
    );
    assert.match(waiting.error, /rate limit|limit/i);
    const connection = (await client.get("/api/social-media/connections")).body.connections.find(
      (candidate: { platform: string }) => candidate.platform === "instagram",
    );
    assert.equal(connection.status, "rate_limited");
    await passTime(61 * 60_000);
    const post = await settled(client, postId);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    const items = (await json(await fetch(`${sandbox.url}_sandbox/published?platform=instagram`))).items as {
      text: string;
    }[];
    assert.equal(items.filter((item) => item.text === "Posted once the account may call again").length, 1);
  });
});

describe("an Instagram container that expired while the post waited", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;

  before(async () => {
    sandbox = await startSandbox();
    ({ app, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Late Post Co");
    await connectThroughConsent(client, "instagram", { identity: "ava" });
    // media_publish throttled once: the post waits, its finished container kept.
    const fault = await fetch(`${sandbox.url}_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        prefix: "meta",
        method: "POST",
        path: "/media_publish",
        mode: "rate_limit",
        count: 1,
        retryAfterSeconds: 3_600,
      }),
    });
    assert.equal(fault.status, 201);
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  test("a container that expired while the account waited is made again; the expired one is never published", async () => {
    const ids = await connectionIds(client);
    const image = await upload(client, "/photo.jpg");
    const text = "Posted a day late, from a new container";
    // Read before the post exists: its first container may be made before the answer comes back.
    const since = (await json(await fetch(`${sandbox.url}_sandbox/journal`))).entries.at(-1).seq;
    const created = await client.post("/api/posts", {
      content: text,
      mediaIds: [image.id],
      connectionIds: [ids.byKey("instagram")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const postId = created.body.post.id;
    await waitFor(
      async () => {
        const target = (await client.get(`/api/posts/${postId}`)).body.post.targets[0];
        return target.state === "queued" && target.error ? target : undefined;
      },
      15_000,
      "the post to wait for the rate limit",
    );
    // A day passes: the container made before the wait has expired.
    await passTime(25 * 3_600_000);
    const post = await settled(client, postId);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    const items = (await json(await fetch(`${sandbox.url}_sandbox/published?platform=instagram`))).items as {
      text: string;
    }[];
    assert.equal(items.filter((item) => item.text === text).length, 1);
    const calls = (await json(await fetch(`${sandbox.url}_sandbox/journal?prefix=meta&after=${since}`))).entries as {
      method: string;
      path: string;
      status: number;
    }[];
    assert.equal(calls.filter((entry) => entry.method === "POST" && entry.path.endsWith("/media")).length, 2);
    assert.equal(calls.filter((entry) => entry.path.endsWith("/media_publish") && entry.status === 200).length, 1);
  });
});

describe("account discovery through every Page a login holds", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;

  before(async () => {
    ({ app, sandbox } = await startAppWithSandbox());
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Moreau Agency");
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const offered = async (platform: string) => {
    const landed = await connectThroughConsent(client, platform, { identity: "dana" });
    const grantId = landed.searchParams.get("choose");
    assert.ok(grantId, landed.toString());
    return (await client.get(`/api/social-media/grants/${grantId}`)).body.accounts as {
      name: string;
      externalId: string;
    }[];
  };

  test("Facebook: past a hundred Pages, and the Pages a business owns or works on for a client", async () => {
    const names = (await offered("facebook")).map((account) => account.name);
    assert.equal(names.length, 122);
    assert.equal(new Set(names).size, 122);
    assert.ok(names.includes("Moreau Client 120"));
    assert.ok(names.includes("Moreau Agency"));
    assert.ok(names.includes("Harbor Deli"));
  });

  test("Instagram: the account linked to a Page held through Business Manager", async () => {
    const landed = await connectThroughConsent(client, "instagram", { identity: "dana" });
    const grantId = landed.searchParams.get("choose");
    // One account is connected at once; several are offered to choose from.
    const names = grantId
      ? ((await client.get(`/api/social-media/grants/${grantId}`)).body.accounts as { name: string }[])
      : ((await client.get("/api/social-media/connections")).body.connections as { name: string }[]);
    assert.deepEqual(
      names.map((account) => account.name),
      ["@moreau.agency"],
    );
  });

  test("a Page awaiting Page Publishing Authorization: the post fails in Meta's words, the connection stays healthy", async () => {
    const landed = await connectThroughConsent(client, "facebook", { identity: "dana" });
    await client.post(`/api/social-media/grants/${landed.searchParams.get("choose")}`, {
      externalIds: ["220000000000002"],
    });
    const ids = await connectionIds(client);
    const deli = ids.byKey("facebook", "Harbor Deli");
    const created = await client.post("/api/posts", { content: "Soup of the day", connectionIds: [deli] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    assert.equal(post.targets[0].state, "failed");
    assert.match(post.targets[0].error, /Page Publishing Authorization/);
    const connection = (await client.get("/api/social-media/connections")).body.connections.find(
      (candidate: { id: string }) => candidate.id === deli,
    );
    assert.equal(connection.status, "healthy");
  });
});
