import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { armFault, json, publishedCount, startSandbox, userToken, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { backoffAfter, connectionIds, retimed, settled } from "./support.js";

/**
 * X refuses a post whose text the account already has. After an attempt whose answer was lost,
 * the post it refuses may be that attempt's: it is looked for, never reported failed while it is
 * on the account. On a first attempt it is a person's own duplicate, refused in X's words.
 */
describe("X's duplicate content refusal", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let passTime: (milliseconds: number) => Promise<void>;
  let x: string;
  let handToken: string;

  before(async () => {
    sandbox = await startSandbox();
    // A person's own token, taken before the app registers its callback with the sandbox's app.
    handToken = await userToken(sandbox, "x", "tweet.read tweet.write users.read");
    ({ app, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Duplicate Co");
    await connectThroughConsent(client, "x", { identity: "ava" });
    x = (await connectionIds(client)).byKey("x");
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const postByHand = async (text: string) => {
    const answer = await fetch(`${sandbox.base("x")}/2/tweets`, {
      method: "POST",
      headers: { authorization: `Bearer ${handToken}`, "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    assert.equal(answer.status, 201, JSON.stringify(await json(answer)));
  };

  test("on a retry, the post X says it already has is found and the target published with it", async () => {
    const text = "Sent again after an unclear first try";
    await armFault(sandbox, { prefix: "x", method: "POST", path: "/2/tweets", mode: "error", status: 503, count: 1 });
    const created = await client.post("/api/posts", { content: text, connectionIds: [x] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const waiting = await retimed(client, created.body.post.id);
    assert.equal(waiting.targets[0].attempts, 1);
    // As if the first try had landed after all, out of sight of the read that followed it.
    await postByHand(text);
    await passTime(backoffAfter(1));
    const post = await settled(client, created.body.post.id);
    assert.equal(post.targets[0].state, "published", post.targets[0].error);
    assert.match(post.targets[0].url, /^https:\/\/x\.com\/ava_northwind\/status\/\d+$/);
    assert.equal(await publishedCount(sandbox, "x", text), 1);
  });

  test("on a first attempt, a person's own duplicate fails in X's words, without reading the account", async () => {
    const text = "Already said by hand";
    await postByHand(text);
    const created = await client.post("/api/posts", { content: text, connectionIds: [x] });
    const post = await settled(client, created.body.post.id);
    assert.equal(post.targets[0].state, "failed");
    assert.match(post.targets[0].error, /^X: You are not allowed to create a Tweet with duplicate content\.$/);
    assert.equal(await publishedCount(sandbox, "x", text), 1);
  });
});
