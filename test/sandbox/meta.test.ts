import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  advance,
  callback,
  consent,
  json,
  startMediaServer,
  startSandbox,
  userToken,
  type RunningSandbox,
} from "./support.js";

const clientId = "sandbox-facebook-client";
const clientSecret = "sandbox-facebook-secret";
const version = "v26.0";

describe("sandbox: Facebook Login and Pages", () => {
  let sandbox: RunningSandbox;
  let media: Awaited<ReturnType<typeof startMediaServer>>;
  let graph: (path: string, init?: RequestInit) => Promise<Response>;

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { authorizationCodeSeconds: 1, videoProcessingSeconds: 1 } });
    media = await startMediaServer();
    graph = (path, init) => fetch(`${sandbox.base("meta")}/${version}${path}`, init);
  });
  after(async () => {
    await media.close();
    await sandbox.close();
  });

  function authorizeUrl(scope = "pages_show_list,pages_manage_posts,pages_read_engagement,read_insights") {
    const url = new URL(`${sandbox.base("meta")}/${version}/dialog/oauth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callback("facebook"),
      state: "st4te",
      response_type: "code",
      scope,
    }).toString();
    return url;
  }

  async function exchange(code: string, overrides: Record<string, string> = {}) {
    const query = new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uri: callback("facebook"),
      code,
      ...overrides,
    });
    return graph(`/oauth/access_token?${query}`);
  }

  /** The whole dance, as the product will do it: code → short-lived → long-lived → page tokens. */
  async function connect(identity = "ava") {
    const back = await consent(authorizeUrl(), { identity });
    const short = await json(await exchange(back.searchParams.get("code")!));
    const longLived = await json(
      await graph(
        `/oauth/access_token?${new URLSearchParams({ grant_type: "fb_exchange_token", client_id: clientId, client_secret: clientSecret, fb_exchange_token: short.access_token })}`,
      ),
    );
    const accounts = await json(
      await graph("/me/accounts?fields=id,name,access_token,tasks,picture", {
        headers: { authorization: `Bearer ${longLived.access_token}` },
      }),
    );
    return { short, longLived, pages: accounts.data as { id: string; name: string; access_token: string }[] };
  }

  test("the consent page returns a code with the state; the code buys a short-lived bearer token", async () => {
    const back = await consent(authorizeUrl());
    assert.equal(back.origin + back.pathname, callback("facebook"));
    assert.equal(back.searchParams.get("state"), "st4te");
    const answer = await exchange(back.searchParams.get("code")!);
    assert.equal(answer.status, 200);
    const body = await json(answer);
    assert.equal(body.token_type, "bearer");
    assert.equal(body.expires_in, 3600);
    const me = await json(await graph(`/me?fields=id,name&access_token=${body.access_token}`));
    assert.deepEqual(me, { id: "10000000000000001", name: "Ava Lindqvist" });
  });

  test("Deny comes back as access_denied with Facebook's reason", async () => {
    const back = await consent(authorizeUrl(), { decision: "deny" });
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.equal(back.searchParams.get("error_reason"), "user_denied");
    assert.equal(back.searchParams.get("state"), "st4te");
  });

  test("an unregistered redirect_uri is refused on the dialog, not redirected", async () => {
    const url = authorizeUrl();
    url.searchParams.set("redirect_uri", "https://attacker.example/cb");
    const page = await fetch(url);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /URL blocked/);
  });

  test("the token endpoint rejects a wrong secret, a different redirect_uri, a reused and an expired code", async () => {
    const wrongSecret = await json(
      await exchange((await consent(authorizeUrl())).searchParams.get("code")!, { client_secret: "nope" }),
    );
    assert.deepEqual([wrongSecret.error.code, wrongSecret.error.message], [1, "Error validating client secret."]);

    const mismatch = await json(
      await exchange((await consent(authorizeUrl())).searchParams.get("code")!, {
        redirect_uri: "http://localhost:3000/other",
      }),
    );
    assert.deepEqual([mismatch.error.code, mismatch.error.error_subcode], [100, 36008]);

    const code = (await consent(authorizeUrl())).searchParams.get("code")!;
    assert.equal((await exchange(code)).status, 200);
    const reused = await json(await exchange(code));
    assert.deepEqual(
      [reused.error.code, reused.error.error_subcode, reused.error.type],
      [100, 36009, "OAuthException"],
    );
    assert.match(reused.error.fbtrace_id, /^A/);

    const slow = (await consent(authorizeUrl())).searchParams.get("code")!;
    await advance(sandbox, 2);
    const expired = await json(await exchange(slow));
    assert.equal(expired.error.error_subcode, 36007);
  });

  test("long-lived exchange, page tokens that never expire, and debug_token", async () => {
    const { longLived, pages } = await connect();
    assert.equal(longLived.expires_in, 5_184_000);
    assert.deepEqual(
      pages.map((page) => page.name),
      ["Northwind Coffee", "Northwind Bakery"],
    );
    const debug = await json(
      await graph(`/debug_token?input_token=${pages[0]!.access_token}&access_token=${clientId}|${clientSecret}`),
    );
    assert.equal(debug.data.is_valid, true);
    assert.equal(debug.data.type, "PAGE");
    assert.equal(debug.data.expires_at, 0);
    assert.equal(debug.data.profile_id, pages[0]!.id);
    const again = await json(await graph(`/me/accounts?access_token=${longLived.access_token}`));
    assert.equal(again.data[0].access_token, pages[0]!.access_token, "the same page token comes back");
  });

  test("a person with no pages gets an empty list", async () => {
    const { pages } = await connect("cara");
    assert.deepEqual(pages, []);
  });

  test("text and link posts go to the page feed and read back", async () => {
    const { pages } = await connect();
    const page = pages[0]!;
    const form = new URLSearchParams({
      message: "Fresh roast today",
      link: "https://northwind.example/roast",
      access_token: page.access_token,
    });
    const created = await json(await graph(`/${page.id}/feed`, { method: "POST", body: form }));
    assert.match(created.id, new RegExp(`^${page.id}_\\d+$`));
    const post = await json(
      await graph(`/${created.id}?fields=message,created_time,permalink_url&access_token=${page.access_token}`),
    );
    assert.equal(post.message, "Fresh roast today");
    // On the sandbox, where the post is, not on the real site.
    assert.match(post.permalink_url, new RegExp(`^http://[^/]+/.*${created.id}$`));
    assert.match(post.created_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    const feed = await json(await graph(`/${page.id}/published_posts?access_token=${page.access_token}`));
    assert.equal(feed.data[0].id, created.id);
  });

  test("posting with the user token instead of the page token is refused (#200)", async () => {
    const { longLived, pages } = await connect();
    const answer = await graph(`/${pages[0]!.id}/feed`, {
      method: "POST",
      body: new URLSearchParams({ message: "x", access_token: longLived.access_token }),
    });
    assert.equal(answer.status, 403);
    assert.equal((await json(answer)).error.code, 200);
  });

  test("photos by URL, by upload, and several photos in one post", async () => {
    const { pages } = await connect();
    const page = pages[0]!;
    const single = await json(
      await graph(`/${page.id}/photos`, {
        method: "POST",
        body: new URLSearchParams({
          url: media.url("/photo.jpg"),
          message: "Latte art",
          access_token: page.access_token,
        }),
      }),
    );
    assert.ok(single.id && single.post_id.startsWith(`${page.id}_`));

    const upload = new FormData();
    upload.set("source", new Blob([Buffer.alloc(1000, 1)], { type: "image/png" }), "cup.png");
    upload.set("access_token", page.access_token);
    assert.equal((await graph(`/${page.id}/photos`, { method: "POST", body: upload })).status, 200);

    const unpublished = [];
    for (let index = 0; index < 2; index += 1) {
      const photo = await json(
        await graph(`/${page.id}/photos`, {
          method: "POST",
          body: new URLSearchParams({
            url: media.url("/photo.jpg"),
            published: "false",
            access_token: page.access_token,
          }),
        }),
      );
      unpublished.push(photo.id);
    }
    const form = new URLSearchParams({ message: "Two cups", access_token: page.access_token });
    unpublished.forEach((id, index) => form.set(`attached_media[${index}]`, JSON.stringify({ media_fbid: id })));
    const post = await json(await graph(`/${page.id}/feed`, { method: "POST", body: form }));
    const published = await json(await fetch(`${sandbox.url}_sandbox/published?platform=facebook`));
    assert.equal(published.items.find((item: { id: string }) => item.id === post.id).media.length, 2);

    const broken = await json(
      await graph(`/${page.id}/photos`, {
        method: "POST",
        body: new URLSearchParams({ url: media.url("/missing.jpg"), access_token: page.access_token }),
      }),
    );
    assert.equal(broken.error.code, 324);
  });

  test("a video by file_url processes, then is ready", async () => {
    const { pages } = await connect();
    const page = pages[0]!;
    const video = await json(
      await graph(`/${page.id}/videos`, {
        method: "POST",
        body: new URLSearchParams({
          file_url: media.url("/clip.mp4"),
          description: "Roasting",
          title: "Roast",
          access_token: page.access_token,
        }),
      }),
    );
    const first = await json(await graph(`/${video.id}?fields=status&access_token=${page.access_token}`));
    assert.equal(first.status.video_status, "processing");
    await advance(sandbox, 2);
    const later = await json(await graph(`/${video.id}?fields=status&access_token=${page.access_token}`));
    assert.equal(later.status.video_status, "ready");
  });

  test("a message over 63,206 characters is refused with code 100", async () => {
    const { pages } = await connect();
    const answer = await json(
      await graph(`/${pages[0]!.id}/feed`, {
        method: "POST",
        body: new URLSearchParams({ message: "a".repeat(63_207), access_token: pages[0]!.access_token }),
      }),
    );
    assert.equal(answer.error.code, 100);
  });

  test("insights: current metric names answer, retired ones are refused, values are stable", async () => {
    const { pages } = await connect();
    const page = pages[0]!;
    const pageInsights = await json(
      await graph(
        `/${page.id}/insights?metric=page_media_view,page_follows&period=day&access_token=${page.access_token}`,
      ),
    );
    assert.deepEqual(
      pageInsights.data.map((metric: { name: string }) => metric.name),
      ["page_media_view", "page_follows"],
    );
    assert.ok(pageInsights.data[0].values.length >= 2);
    const retired = await json(
      await graph(`/${page.id}/insights?metric=page_impressions&access_token=${page.access_token}`),
    );
    assert.equal(retired.error.code, 100);

    const post = await json(
      await graph(`/${page.id}/feed`, {
        method: "POST",
        body: new URLSearchParams({ message: `insights ${Date.now()}`, access_token: page.access_token }),
      }),
    );
    const read = () =>
      graph(
        `/${post.id}/insights?metric=post_media_view,post_clicks,post_reactions_by_type_total&access_token=${page.access_token}`,
      ).then(json);
    // A post's insights are an empty set for its first minutes, as Meta's are until counted.
    assert.deepEqual((await read()).data, []);
    await advance(sandbox, 11 * 60);
    const [first, second] = [await read(), await read()];
    assert.deepEqual(first, second);
    assert.equal(first.data[0].name, "post_media_view");
  });

  test("tokens: expired (190/463), revoked by the person (190/458), garbage (190)", async () => {
    const short = await startSandbox({ lifetimes: { facebookShortLivedSeconds: 1 } });
    try {
      const token = await userToken(short, "facebook");
      await advance(short, 2);
      const expired = await json(await fetch(`${short.base("meta")}/${version}/me?access_token=${token}`));
      assert.deepEqual([expired.error.code, expired.error.error_subcode], [190, 463]);
    } finally {
      await short.close();
    }
    const { longLived, pages } = await connect();
    assert.deepEqual(
      await json(await graph(`/me/permissions?access_token=${longLived.access_token}`, { method: "DELETE" })),
      { success: true },
    );
    const revoked = await json(await graph(`/${pages[0]!.id}?access_token=${pages[0]!.access_token}`));
    assert.deepEqual([revoked.error.code, revoked.error.error_subcode], [190, 458]);
    const garbage = await json(await graph("/me?access_token=EAAnonsense"));
    assert.equal(garbage.error.code, 190);
  });

  test("Business Use Case usage per Page and Instagram account; 80001 and 80002 with the time to regain access", async () => {
    const limited = await startSandbox({ limits: { facebookPageCallsPerHour: 2, instagramCallsPerHour: 2 } });
    try {
      const token = await userToken(limited, "facebook");
      const base = `${limited.base("meta")}/${version}`;
      const pages = await json(
        await fetch(`${base}/me/accounts?fields=id,access_token,instagram_business_account&access_token=${token}`),
      );
      const page = pages.data.find(
        (candidate: { instagram_business_account?: unknown }) => candidate.instagram_business_account,
      );
      const igUserId = page.instagram_business_account.id;
      const read = (id: string) => fetch(`${base}/${id}?fields=id&access_token=${page.access_token}`);
      const usage = (answer: Response) => JSON.parse(answer.headers.get("x-business-use-case-usage")!);
      const first = await read(igUserId);
      assert.deepEqual(Object.keys(usage(first)), [igUserId]);
      assert.equal(usage(first)[igUserId][0].type, "instagram");
      const spent = await read(igUserId);
      assert.equal(usage(spent)[igUserId][0].call_count, 100);
      assert.ok(usage(spent)[igUserId][0].estimated_time_to_regain_access > 0);
      const throttled = await read(igUserId);
      assert.equal((await json(throttled)).error.code, 80002);
      assert.ok(usage(throttled)[igUserId][0].estimated_time_to_regain_access >= 59);
      await read(page.id);
      await read(page.id);
      assert.equal((await json(await read(page.id))).error.code, 80001);
    } finally {
      await limited.close();
    }
  });

  test("usage headers on every answer; code 32 once a page's hourly calls are spent", async () => {
    const limited = await startSandbox({ limits: { facebookPageCallsPerHour: 2 } });
    try {
      const token = await userToken(limited, "facebook");
      const read = () => fetch(`${limited.base("meta")}/${version}/200000000000001?access_token=${token}`);
      const first = await read();
      assert.ok(JSON.parse(first.headers.get("x-app-usage")!).call_count >= 0);
      assert.ok(first.headers.get("x-business-use-case-usage"));
      await read();
      const third = await read();
      assert.equal(third.status, 403);
      assert.equal((await json(third)).error.code, 32);
    } finally {
      await limited.close();
    }
  });
});
