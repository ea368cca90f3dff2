import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { json, startSandbox, userToken, type RunningSandbox } from "../sandbox/support.js";

const newsBot = "7000000001:AAHsandboxNorthwindNewsBot0000000001";

describe("sandbox controls the chaos test relies on", () => {
  let sandbox: RunningSandbox;
  const control = (path: string, body?: unknown) =>
    fetch(`${sandbox.url}_sandbox${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
  const send = (text: string, signal?: AbortSignal) =>
    fetch(`${sandbox.base("telegram")}/bot${newsBot}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: "@northwind_news", text }),
      signal,
    });

  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.close());

  test("expire: the person's access tokens stop working as expired ones do, others keep theirs", async () => {
    const ava = await userToken(sandbox, "x", "users.read tweet.read");
    const me = (token: string) =>
      fetch(`${sandbox.base("x")}/2/users/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await me(ava)).status, 200);
    const answer = await json(await control("/expire", { platform: "x", personId: "ava" }));
    assert.ok(answer.expired >= 1);
    assert.equal((await me(ava)).status, 401);
    assert.deepEqual(await json(await control("/expire", { platform: "x", personId: "ava" })), { expired: 0 });
    assert.equal((await control("/expire", { platform: "myspace", personId: "ava" })).status, 400);
  });

  test("error with gatewayPage: the HTML a load balancer sends, not the platform's JSON", async () => {
    await control("/faults", { prefix: "google", path: "/token", mode: "error", status: 502, gatewayPage: true });
    const answer = await fetch(`${sandbox.base("google")}/token`, { method: "POST", body: new URLSearchParams() });
    assert.equal(answer.status, 502);
    assert.match(answer.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await answer.text(), /<h1>502 Bad Gateway<\/h1>/);
  });

  test("each rule counts the calls it met; the journal lists only faulted calls on request", async () => {
    const rule = await json(
      await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "error", count: 3 }),
    );
    assert.equal(rule.fired, 0);
    await send("one");
    await send("two");
    const listed = (await json(await control("/faults"))).faults.find((fault: { id: number }) => fault.id === rule.id);
    assert.deepEqual([listed.fired, listed.remaining], [2, 1]);
    await send("three");
    await send("four");
    const faulted = (await json(await control("/journal?faulted=true&prefix=telegram"))).entries;
    assert.ok(faulted.length >= 3);
    assert.ok(faulted.every((entry: { fault?: string }) => entry.fault));
  });

  test("a hung call is journalled when its caller gives up", async () => {
    await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "hang" });
    await assert.rejects(send("hung", AbortSignal.timeout(200)));
    const deadline = Date.now() + 2_000;
    let hung: { fault: string; status: number } | undefined;
    while (!hung && Date.now() < deadline) {
      const entries = (await json(await control("/journal?faulted=true&prefix=telegram"))).entries;
      hung = entries.find((entry: { fault: string }) => entry.fault === "hang");
      if (!hung) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(hung?.status, 0);
  });
});
