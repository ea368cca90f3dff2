import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Fastify from "fastify";
import { createSandboxContext, defaultClients, sandboxRoutes } from "../../sandbox/index.js";
import { chromiumPath, launchBrowser, screenshotPath } from "../support/browser.js";
import { advance, callback, json, startMediaServer, startSandbox, userToken, type RunningSandbox } from "./support.js";

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

describe("sandbox: the clock", () => {
  const HOUR = 3_600_000;
  const clock = (sandbox: RunningSandbox, body?: unknown) =>
    fetch(
      `${sandbox.url}_sandbox/clock`,
      body === undefined
        ? {}
        : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    );
  const sandboxNow = async (sandbox: RunningSandbox) => Date.parse((await json(await clock(sandbox))).now);
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  test("GET tells the sandbox's time and how far ahead it runs; POST moves it forward by whole or part seconds", async () => {
    const sandbox = await startSandbox();
    try {
      const start = await json(await clock(sandbox));
      assert.equal(start.offsetMs, 0);
      assert.ok(Math.abs(Date.parse(start.now) - Date.now()) < 5_000, start.now);
      const moved = await clock(sandbox, { advanceSeconds: 90.5 });
      assert.equal(moved.status, 200);
      const body = await json(moved);
      assert.equal(body.offsetMs, 90_500);
      assert.ok(Date.parse(body.now) - Date.parse(start.now) >= 90_500);
      assert.equal((await json(await clock(sandbox))).offsetMs, 90_500, "the move stays");
    } finally {
      await sandbox.close();
    }
  });

  test("a move that is not forward, not a number or longer than a year is refused, and the clock stays", async () => {
    const sandbox = await startSandbox();
    try {
      for (const body of [
        { advanceSeconds: -1 },
        { advanceSeconds: 0 },
        { advanceSeconds: "60" },
        { advanceSeconds: null },
        { advanceSeconds: 366 * 86_400 + 1 },
        {},
      ]) {
        const refused = await clock(sandbox, body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.match((await json(refused)).error, /advanceSeconds/);
      }
      assert.equal((await json(await clock(sandbox))).offsetMs, 0);
      const leapYear = await clock(sandbox, { advanceSeconds: 366 * 86_400 });
      assert.equal((await json(leapYear)).offsetMs, 366 * 86_400_000, "a year, leap day included, is the longest move");
    } finally {
      await sandbox.close();
    }
  });

  test("times the platforms stamp on their answers are the sandbox's: TikTok's log_id", async () => {
    const sandbox = await startSandbox();
    try {
      await advance(sandbox, 200 * 86_400);
      const answer = await json(await fetch(`${sandbox.base("tiktok")}/v2/user/info/?fields=open_id`));
      const [, year, month, day, hour, minute, second] = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/
        .exec(answer.error.log_id)!
        .map(Number);
      const stamped = Date.UTC(year!, month! - 1, day, hour, minute, second);
      assert.ok(Math.abs(stamped - (await sandboxNow(sandbox))) < 5_000, answer.error.log_id);
    } finally {
      await sandbox.close();
    }
  });

  // Each platform's own answer to a token past its lifetime, at the lifetime it documents.
  const expiries = [
    {
      platform: "facebook",
      lifetimeSeconds: 3_600,
      scope: "",
      call: (sandbox: RunningSandbox, token: string) => fetch(`${sandbox.base("meta")}/v26.0/me?access_token=${token}`),
      async expired(answer: Response) {
        const { error } = await json(answer);
        assert.deepEqual(
          [answer.status, error.code, error.error_subcode, error.type],
          [400, 190, 463, "OAuthException"],
        );
        assert.match(error.message, /^Error validating access token: Session has expired on /);
      },
    },
    {
      platform: "x",
      lifetimeSeconds: 7_200,
      scope: "tweet.read users.read",
      call: (sandbox: RunningSandbox, token: string) => fetch(`${sandbox.base("x")}/2/users/me`, bearer(token)),
      async expired(answer: Response) {
        assert.equal(answer.status, 401);
        assert.deepEqual(await json(answer), {
          title: "Unauthorized",
          detail: "Unauthorized",
          type: "about:blank",
          status: 401,
        });
      },
    },
    {
      platform: "linkedin",
      lifetimeSeconds: 5_184_000,
      scope: "openid profile",
      call: (sandbox: RunningSandbox, token: string) => fetch(`${sandbox.base("linkedin")}/v2/userinfo`, bearer(token)),
      async expired(answer: Response) {
        assert.equal(answer.status, 401);
        assert.deepEqual(await json(answer), {
          status: 401,
          serviceErrorCode: 65601,
          code: "EXPIRED_ACCESS_TOKEN",
          message: "The token used in the request has expired",
        });
      },
    },
    {
      platform: "youtube",
      lifetimeSeconds: 3_599,
      scope: "https://www.googleapis.com/auth/youtube.readonly",
      call: (sandbox: RunningSandbox, token: string) =>
        fetch(`${sandbox.base("google")}/youtube/v3/channels?part=id&mine=true`, bearer(token)),
      async expired(answer: Response) {
        const { error } = await json(answer);
        assert.deepEqual([answer.status, error.code, error.status], [401, 401, "UNAUTHENTICATED"]);
        assert.equal(error.errors[0].reason, "authError");
      },
    },
    {
      platform: "tiktok",
      lifetimeSeconds: 7_200,
      scope: "user.info.basic",
      call: (sandbox: RunningSandbox, token: string) =>
        fetch(`${sandbox.base("tiktok")}/v2/user/info/?fields=open_id`, bearer(token)),
      async expired(answer: Response) {
        const body = await json(answer);
        assert.equal(answer.status, 401);
        assert.deepEqual(body.data, {});
        assert.equal(body.error.code, "access_token_invalid");
      },
    },
  ] as const;

  for (const { platform, lifetimeSeconds, scope, call, expired } of expiries) {
    test(`${platform}: an access token works for its ${lifetimeSeconds} s and answers as expired once the clock passes them`, async () => {
      const sandbox = await startSandbox();
      try {
        const token = await userToken(sandbox, platform, scope);
        await advance(sandbox, lifetimeSeconds - 60);
        const late = await call(sandbox, token);
        assert.equal(late.status, 200, await late.text());
        await advance(sandbox, 61);
        await expired(await call(sandbox, token));
      } finally {
        await sandbox.close();
      }
    });
  }

  test("a rolling rate-limit window opens again once the clock passes its reset (X: posts per 15 minutes)", async () => {
    const sandbox = await startSandbox({ limits: { xPostsPer15MinutesPerUser: 1 } });
    try {
      const token = await userToken(sandbox, "x", "tweet.read tweet.write users.read");
      const post = (text: string) =>
        fetch(`${sandbox.base("x")}/2/tweets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
      assert.equal((await post("first")).status, 201);
      const limited = await post("second");
      assert.equal(limited.status, 429);
      // The header is in whole seconds, rounded up.
      const untilReset = Number(limited.headers.get("x-rate-limit-reset")) * 1000 - (await sandboxNow(sandbox));
      assert.ok(untilReset > 14 * 60_000 && untilReset <= 15 * 60_000 + 1_000, String(untilReset));
      await advance(sandbox, untilReset / 1000 - 5);
      assert.equal((await post("second, a little early")).status, 429);
      await advance(sandbox, 10);
      const reopened = await post("second, in the next window");
      assert.equal(reopened.status, 201);
      assert.equal(reopened.headers.get("x-rate-limit-remaining"), "0");
    } finally {
      await sandbox.close();
    }
  });

  /** The first midnight in Los Angeles after `after`: Pacific offsets are whole hours, so it falls on a UTC hour. */
  function nextPacificMidnight(after: number): number {
    const hour = new Intl.DateTimeFormat("en-US", {
      timeZone: "America/Los_Angeles",
      hourCycle: "h23",
      hour: "numeric",
    });
    let at = Math.floor(after / HOUR) * HOUR + HOUR;
    while (Number(hour.format(at)) !== 0) at += HOUR;
    return at;
  }
  const nextUtcMidnight = (after: number) => Math.floor(after / 86_400_000) * 86_400_000 + 86_400_000;

  test("YouTube's daily units come back at midnight Pacific time: not at midnight UTC, not 24 hours after the first call", async () => {
    // A token that outlasts the day, so that only the quota changes.
    const sandbox = await startSandbox({
      limits: { youtubeUnitsPerDay: 2 },
      lifetimes: { googleAccessSeconds: 2 * 86_400 },
    });
    try {
      // A day of 24 hours (the sandbox counts every day as 24 hours, so the days clocks change are passed over),
      // entered an hour after its midnight, so that UTC's midnight and a rolling day's end both fall apart from its end.
      let midnight = nextPacificMidnight(await sandboxNow(sandbox));
      while (nextPacificMidnight(midnight) - midnight !== 24 * HOUR) midnight = nextPacificMidnight(midnight);
      await advance(sandbox, (midnight + HOUR - (await sandboxNow(sandbox))) / 1000);
      const token = await userToken(sandbox, "youtube", "https://www.googleapis.com/auth/youtube.readonly");
      const list = () => fetch(`${sandbox.base("google")}/youtube/v3/channels?part=id&mine=true`, bearer(token));
      assert.equal((await list()).status, 200);
      assert.equal((await list()).status, 200);
      const spent = async (when: string) => {
        const answer = await list();
        assert.equal(answer.status, 403, when);
        assert.equal((await json(answer)).error.errors[0].reason, "quotaExceeded", when);
      };
      await spent("the day's units are spent");
      await advance(
        sandbox,
        (nextUtcMidnight(await sandboxNow(sandbox)) + 60_000 - (await sandboxNow(sandbox))) / 1000,
      );
      await spent("just past midnight UTC");
      const end = midnight + 24 * HOUR;
      await advance(sandbox, (end - 60_000 - (await sandboxNow(sandbox))) / 1000);
      await spent("a minute before midnight Pacific time");
      await advance(sandbox, 120);
      assert.equal(
        (await list()).status,
        200,
        "a minute after midnight Pacific time, an hour before a rolling day ends",
      );
    } finally {
      await sandbox.close();
    }
  });

  test("LinkedIn's daily post limit comes back at midnight UTC, not 24 hours after the first post", async () => {
    const sandbox = await startSandbox({ limits: { linkedinPostsPerDayPerMember: 1 } });
    try {
      const midnight = nextUtcMidnight(await sandboxNow(sandbox));
      await advance(sandbox, (midnight + HOUR - (await sandboxNow(sandbox))) / 1000);
      const token = await userToken(sandbox, "linkedin", "openid profile w_member_social");
      const post = (commentary: string) =>
        fetch(`${sandbox.base("linkedin")}/rest/posts`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "linkedin-version": "202607",
            "content-type": "application/json",
          },
          body: JSON.stringify({
            author: "urn:li:person:aVaSaNdBoX1",
            commentary,
            visibility: "PUBLIC",
            distribution: { feedDistribution: "MAIN_FEED", targetEntities: [], thirdPartyDistributionChannels: [] },
            lifecycleState: "PUBLISHED",
            isReshareDisabledByAuthor: false,
          }),
        });
      const refused = async (when: string) => {
        const answer = await post(when);
        assert.equal(answer.status, 429, when);
        assert.equal((await json(answer)).serviceErrorCode, 101, when);
      };
      assert.equal((await post("first")).status, 201);
      await refused("the same day");
      const end = midnight + 24 * HOUR;
      await advance(sandbox, (end - 60_000 - (await sandboxNow(sandbox))) / 1000);
      await refused("a minute before midnight UTC");
      await advance(sandbox, 120);
      assert.equal(
        (await post("next day")).status,
        201,
        "a minute after midnight UTC, an hour before a rolling day ends",
      );
    } finally {
      await sandbox.close();
    }
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

describe("sandbox: app registrations with their products", () => {
  test("a LinkedIn app takes known products; Community Management only alone on its app", async () => {
    const sandbox = await startSandbox();
    const register = (products: string[]) =>
      fetch(`${sandbox.url}_sandbox/clients`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          platform: "linkedin",
          clientId: `app-${products.join("-")}`,
          clientSecret: "s",
          redirectUris: [callback("linkedin")],
          products,
        }),
      });
    try {
      assert.equal((await register(["community_management"])).status, 201);
      assert.equal((await register(["sign_in_with_linkedin", "share_on_linkedin"])).status, 201);
      const mixed = await register(["community_management", "share_on_linkedin"]);
      assert.equal(mixed.status, 400);
      assert.match((await json(mixed)).error, /only product/);
      const unknown = await register(["marketing_developer_platform"]);
      assert.equal(unknown.status, 400);
      assert.match((await json(unknown)).error, /Unknown LinkedIn products/);
    } finally {
      await sandbox.close();
    }
  });
});
