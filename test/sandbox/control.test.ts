import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { createSandboxContext, defaultClients, sandboxRoutes } from "../../sandbox/index.js";
import { chromiumPath, launchBrowser, screenshotPath } from "../support/browser.js";
import { json, startMediaServer, startSandbox, type RunningSandbox } from "./support.js";

const newsBot = "7000000001:AAHsandboxNorthwindNewsBot0000000001";

describe("sandbox: faults, journal, state", () => {
  let sandbox: RunningSandbox;
  const control = (path: string, body?: unknown, method = body === undefined ? "GET" : "POST") =>
    fetch(`${sandbox.url}_sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
  const send = (text: string, signal?: AbortSignal) =>
    fetch(`${sandbox.base("telegram")}/bot${newsBot}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: "@northwind_news", text }),
      signal,
    });
  const publishedTexts = async () =>
    (await json(await control("/published?platform=telegram"))).items.map((item: { text: string }) => item.text);

  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.close());

  test("error: the next N calls fail with the platform's own 5xx, then calls succeed", async () => {
    const fault = await json(
      await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "error", count: 2, status: 502 }),
    );
    assert.equal(fault.remaining, 2);
    const first = await send("e1");
    assert.equal(first.status, 502);
    assert.deepEqual(await json(first), { ok: false, error_code: 502, description: "Bad Gateway" });
    assert.equal((await send("e2")).status, 502);
    assert.equal((await send("e3")).status, 200);
    assert.deepEqual(await publishedTexts(), ["e3"]);
  });

  test("rate_limit: a 429 in each platform's shape", async () => {
    await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "rate_limit", retryAfterSeconds: 7 });
    const limited = await json(await send("r1"));
    assert.deepEqual(limited.parameters, { retry_after: 7 });
    await control("/faults", { prefix: "x", mode: "rate_limit", retryAfterSeconds: 30 });
    const x = await fetch(`${sandbox.base("x")}/2/users/me`);
    assert.equal(x.status, 429);
    assert.equal(x.headers.get("x-rate-limit-remaining"), "0");
    await control("/faults", { prefix: "google", mode: "rate_limit" });
    const google = await json(await fetch(`${sandbox.base("google")}/youtube/v3/channels?part=id&mine=true`));
    assert.equal(google.error.errors[0].reason, "quotaExceeded");
  });

  test("drop: the platform did the work, the answer never arrives", async () => {
    await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "drop" });
    await assert.rejects(send("dropped"));
    assert.ok((await publishedTexts()).includes("dropped"), "the message was published all the same");
    const journal = await json(await control("/journal?prefix=telegram&path=sendMessage"));
    assert.equal(journal.entries.at(-1).fault, "drop");
  });

  test("hang: no answer until the caller gives up", async () => {
    await control("/faults", { prefix: "telegram", path: "/sendMessage", mode: "hang" });
    const startedAt = Date.now();
    await assert.rejects(send("hung", AbortSignal.timeout(300)), /TimeoutError|aborted/);
    assert.ok(Date.now() - startedAt >= 290);
    assert.equal((await publishedTexts()).includes("hung"), false);
    assert.equal((await send("after")).status, 200);
  });

  test("the journal counts calls, so tests can say a thing happened once", async () => {
    const before = await json(await control("/journal"));
    const last = before.entries.at(-1)?.seq ?? 0;
    await send("j1");
    await send("j2");
    const after = await json(await control(`/journal?after=${last}&prefix=telegram`));
    assert.equal(after.entries.length, 2);
    assert.ok(
      after.entries.every(
        (entry: { method: string; status: number }) => entry.method === "POST" && entry.status === 200,
      ),
    );
  });

  test("bad fault requests are refused with the field named", async () => {
    const answer = await control("/faults", { prefix: "telegram", mode: "explode" });
    assert.equal(answer.status, 400);
    assert.match((await json(answer)).error, /mode/);
  });

  test("reset forgets published items, faults and the journal", async () => {
    await control("/faults", { prefix: "telegram", mode: "error", count: 5 });
    assert.equal((await control("/reset", {})).status, 204);
    assert.deepEqual(await publishedTexts(), []);
    assert.equal((await send("clean")).status, 200);
  });

  test("registering an app's redirect URI, as a developer does in the platform's console", async () => {
    const answer = await control("/clients", {
      platform: "x",
      clientId: "my-app",
      clientSecret: "s3cret",
      redirectUris: ["https://social.example.com/api/auth/callback/x"],
    });
    assert.equal(answer.status, 201);
    const info = await json(await control(""));
    assert.ok(info.clients.some((client: { clientId: string }) => client.clientId === "my-app"));
    assert.ok(info.clients.every((client: Record<string, unknown>) => !("clientSecret" in client)));
  });
});

describe("sandbox: persistence and determinism", () => {
  test("state persists to a file across restarts", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "sandbox-"));
    const persistFile = path.join(directory, "state.json");
    try {
      const first = await startSandbox({ persistFile });
      await fetch(`${first.base("telegram")}/bot${newsBot}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chat_id: "@northwind_news", text: "kept" }),
      });
      await first.close();
      const second = await startSandbox({ persistFile });
      const items = (await json(await fetch(`${second.url}_sandbox/published`))).items;
      assert.deepEqual(
        items.map((item: { text: string }) => item.text),
        ["kept"],
      );
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test("the same calls give the same ids in two sandboxes", async () => {
    const ids = [];
    for (let run = 0; run < 2; run += 1) {
      const sandbox = await startSandbox();
      const answer = await json(
        await fetch(`${sandbox.base("telegram")}/bot${newsBot}/sendMediaGroup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            chat_id: "@northwind_news",
            media: [
              { type: "photo", media: "AgACunknown" },
              { type: "photo", media: "AgACunknown" },
            ],
          }),
        }),
      );
      assert.equal(answer.ok, false);
      const sent = await json(
        await fetch(`${sandbox.base("telegram")}/bot${newsBot}/sendMessage`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ chat_id: "@northwind_news", text: "same" }),
        }),
      );
      ids.push(sent.result.message_id);
      await sandbox.close();
    }
    assert.equal(ids[0], ids[1]);
  });
});

describe(
  "sandbox: the consent page in a browser",
  { skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath}` },
  () => {
    test("a person picks who to be and presses Allow; the browser lands on the app with a code", async () => {
      const sandbox = await startSandbox();
      const app = await startMediaServer();
      const browser = await launchBrowser();
      try {
        const redirectUri = app.url("/photo.jpg").replace("/photo.jpg", "/callback");
        await fetch(`${sandbox.url}_sandbox/clients`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            platform: "linkedin",
            clientId: "browser-app",
            clientSecret: "s",
            redirectUris: [redirectUri],
          }),
        });
        const authorize = new URL(`${sandbox.base("linkedin")}/oauth/v2/authorization`);
        authorize.search = new URLSearchParams({
          response_type: "code",
          client_id: "browser-app",
          redirect_uri: redirectUri,
          state: "b",
          scope: "openid profile w_member_social",
        }).toString();
        const page = await browser.newPage();
        await page.goto(authorize.toString());
        await page.getByText("SANDBOX", { exact: true }).waitFor();
        await page.getByLabel(/Ben Okafor/).check();
        await page.screenshot({ path: await screenshotPath("sandbox-consent") });
        await page.getByRole("button", { name: "Allow" }).click();
        await page.waitForURL(/\/callback\?code=/);
        const landed = new URL(page.url());
        assert.equal(landed.searchParams.get("state"), "b");
        const token = await json(
          await fetch(`${sandbox.base("linkedin")}/oauth/v2/accessToken`, {
            method: "POST",
            body: new URLSearchParams({
              grant_type: "authorization_code",
              code: landed.searchParams.get("code")!,
              redirect_uri: redirectUri,
              client_id: "browser-app",
              client_secret: "s",
            }),
          }),
        );
        const me = await json(
          await fetch(`${sandbox.base("linkedin")}/v2/userinfo`, {
            headers: { authorization: `Bearer ${token.access_token}` },
          }),
        );
        assert.equal(me.name, "Ben Okafor");
      } finally {
        await browser.close();
        await app.close();
        await sandbox.close();
      }
    });
  },
);

describe("sandbox: mounted inside another server", () => {
  test("under a prefix, with its own body parsers, faults and journal", async () => {
    const host = Fastify();
    host.get("/api/hello", async () => ({ hello: "world" }));
    await host.register(sandboxRoutes, {
      prefix: "/sandbox",
      context: createSandboxContext(),
      clients: () => defaultClients(),
    });
    await host.listen({ port: 0, host: "127.0.0.1" });
    const root = `http://127.0.0.1:${(host.server.address() as { port: number }).port}`;
    try {
      assert.deepEqual(await json(await fetch(`${root}/api/hello`)), { hello: "world" });
      const info = await json(await fetch(`${root}/sandbox/_sandbox`));
      assert.equal(
        info.platforms.linkedin.baseUrl,
        `${root}/sandbox/linkedin`,
        "URLs the sandbox hands out carry the mount prefix",
      );
      await fetch(`${root}/sandbox/_sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefix: "telegram", path: "/getMe", mode: "error" }),
      });
      assert.equal((await fetch(`${root}/sandbox/telegram/bot${newsBot}/getMe`)).status, 503);
      assert.equal((await json(await fetch(`${root}/sandbox/telegram/bot${newsBot}/getMe`))).ok, true);
      const journal = await json(await fetch(`${root}/sandbox/_sandbox/journal`));
      assert.deepEqual(
        journal.entries.map((entry: { path: string; status: number }) => [entry.path, entry.status]),
        [
          ["/telegram/bot[redacted]/getMe", 503],
          ["/telegram/bot[redacted]/getMe", 200],
        ],
      );
      const big = new FormData();
      big.set("chat_id", "@northwind_news");
      big.set("video", new Blob([Buffer.alloc(3 * 1024 * 1024, 1)], { type: "video/mp4" }), "clip.mp4");
      assert.equal(
        (await fetch(`${root}/sandbox/telegram/bot${newsBot}/sendVideo`, { method: "POST", body: big })).status,
        200,
        "uploads over the host's 1 MB default",
      );
    } finally {
      await host.close();
    }
  });
});
