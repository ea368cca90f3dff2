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

describe("sandbox: Instagram through the Facebook Page", () => {
  let sandbox: RunningSandbox;
  let media: Awaited<ReturnType<typeof startMediaServer>>;
  let pageToken: string;
  let igUserId: string;
  const graph = (path: string, init?: RequestInit) => fetch(`${sandbox.base("meta")}/v26.0${path}`, init);
  const post = (path: string, fields: Record<string, string>) =>
    graph(path, { method: "POST", body: new URLSearchParams({ ...fields, access_token: pageToken }) }).then(json);

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 }, limits: { instagramPostsPerDay: 6 } });
    media = await startMediaServer();
    const authorize = new URL(`${sandbox.base("meta")}/v26.0/dialog/oauth`);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: callback("instagram"),
      state: "ig",
      scope:
        "instagram_basic,instagram_content_publish,instagram_manage_insights,pages_show_list,pages_read_engagement,business_management",
    }).toString();
    await fetch(`${sandbox.url}_sandbox/clients`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        platform: "facebook",
        clientId,
        clientSecret,
        redirectUris: [callback("facebook"), callback("instagram")],
      }),
    });
    const code = (await consent(authorize)).searchParams.get("code")!;
    const token = await json(
      await graph(
        `/oauth/access_token?${new URLSearchParams({ client_id: clientId, client_secret: clientSecret, redirect_uri: callback("instagram"), code })}`,
      ),
    );
    const accounts = await json(
      await graph(
        `/me/accounts?fields=id,name,access_token,instagram_business_account&access_token=${token.access_token}`,
      ),
    );
    pageToken = accounts.data[0].access_token;
    const page = await json(
      await graph(
        `/${accounts.data[0].id}?fields=instagram_business_account{id,username,profile_picture_url}&access_token=${pageToken}`,
      ),
    );
    igUserId = page.instagram_business_account.id;
    assert.equal(page.instagram_business_account.username, "northwind.coffee");
    assert.equal(
      (
        await json(
          await graph(
            `/${accounts.data[1].id}?fields=instagram_business_account&access_token=${accounts.data[1].access_token}`,
          ),
        )
      ).instagram_business_account,
      undefined,
    );
  });
  after(async () => {
    await media.close();
    await sandbox.close();
  });

  async function waitFinished(containerId: string) {
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const status = await json(await graph(`/${containerId}?fields=status_code&access_token=${pageToken}`));
      if (status.status_code === "FINISHED") return;
      assert.equal(status.status_code, "IN_PROGRESS");
      await advance(sandbox, 0.2);
    }
    assert.fail("container never finished");
  }

  test("image: container → FINISHED → media_publish → permalink", async () => {
    const container = await post(`/${igUserId}/media`, {
      image_url: media.url("/photo.jpg"),
      caption: "Morning #coffee",
    });
    await waitFinished(container.id);
    const published = await post(`/${igUserId}/media_publish`, { creation_id: container.id });
    const read = await json(
      await graph(`/${published.id}?fields=id,caption,media_type,permalink,timestamp&access_token=${pageToken}`),
    );
    assert.equal(read.caption, "Morning #coffee");
    assert.equal(read.media_type, "IMAGE");
    // The sandbox's own address stands where Instagram's site would, so a "View post" link stays in the sandbox.
    assert.ok(read.permalink.startsWith(`${sandbox.base("meta")}/p/`), read.permalink);
    assert.match(read.permalink, /\/p\/[\w-]+\/$/);
    const again = await post(`/${igUserId}/media_publish`, { creation_id: container.id });
    assert.equal(again.error.code, 9007, "a container publishes once");
  });

  test("a reel processes before it can be published; publishing early is refused", async () => {
    const container = await post(`/${igUserId}/media`, {
      media_type: "REELS",
      video_url: media.url("/clip.mp4"),
      caption: "Pour-over",
    });
    const early = await post(`/${igUserId}/media_publish`, { creation_id: container.id });
    assert.deepEqual([early.error.code, early.error.error_subcode], [9007, 2207027]);
    await waitFinished(container.id);
    const published = await post(`/${igUserId}/media_publish`, { creation_id: container.id });
    const read = await json(
      await graph(`/${published.id}?fields=permalink,media_product_type&access_token=${pageToken}`),
    );
    assert.match(read.permalink, /\/reel\//);
    assert.equal(read.media_product_type, "REELS");
  });

  test("carousel of two children, and a story", async () => {
    const children = [];
    for (let index = 0; index < 2; index += 1)
      children.push(
        (await post(`/${igUserId}/media`, { image_url: media.url("/photo.jpg"), is_carousel_item: "true" })).id,
      );
    const carousel = await post(`/${igUserId}/media`, {
      media_type: "CAROUSEL",
      children: children.join(","),
      caption: "Two roasts",
    });
    await waitFinished(carousel.id);
    const published = await post(`/${igUserId}/media_publish`, { creation_id: carousel.id });
    assert.equal(
      (await json(await graph(`/${published.id}?fields=media_type&access_token=${pageToken}`))).media_type,
      "CAROUSEL_ALBUM",
    );
    const lonely = await post(`/${igUserId}/media`, { media_type: "CAROUSEL", children: children[0]! });
    assert.equal(lonely.error.error_subcode, 2207020);

    const story = await post(`/${igUserId}/media`, { media_type: "STORIES", image_url: media.url("/photo.jpg") });
    await waitFinished(story.id);
    const storyMedia = await post(`/${igUserId}/media_publish`, { creation_id: story.id });
    assert.match(
      (await json(await graph(`/${storyMedia.id}?fields=permalink&access_token=${pageToken}`))).permalink,
      /\/stories\/northwind\.coffee\//,
    );
  });

  test("Instagram's own content rules: JPEG only, fetchable URLs, caption length, no VIDEO type", async () => {
    const png = await post(`/${igUserId}/media`, { image_url: media.url("/photo.png") });
    assert.equal(png.error.error_subcode, 2207026);
    assert.ok(png.error.error_user_msg);
    const missing = await post(`/${igUserId}/media`, { image_url: media.url("/missing.jpg") });
    assert.equal(missing.error.error_subcode, 2207052);
    const long = await post(`/${igUserId}/media`, { image_url: media.url("/photo.jpg"), caption: "a".repeat(2201) });
    assert.equal(long.error.error_subcode, 2207003);
    const hashtags = await post(`/${igUserId}/media`, {
      image_url: media.url("/photo.jpg"),
      caption: Array.from({ length: 31 }, (_, index) => `#tag${index}`).join(" "),
    });
    assert.equal(hashtags.error.error_subcode, 2207004);
    const video = await post(`/${igUserId}/media`, { media_type: "VIDEO", video_url: media.url("/clip.mp4") });
    assert.equal(video.error.code, 100);
  });

  test("the publishing limit is readable and enforced (code 9, subcode 2207042)", async () => {
    const before = await json(
      await graph(`/${igUserId}/content_publishing_limit?fields=config,quota_usage&access_token=${pageToken}`),
    );
    assert.equal(before.data[0].config.quota_total, 6);
    assert.equal(before.data[0].config.quota_duration, 86400);
    let answer;
    for (let used = before.data[0].quota_usage; used <= 6; used += 1) {
      const container = await post(`/${igUserId}/media`, {
        image_url: media.url("/photo.jpg"),
        caption: `limit ${used}`,
      });
      answer = await post(`/${igUserId}/media_publish`, { creation_id: container.id });
    }
    assert.deepEqual([answer.error.code, answer.error.error_subcode], [9, 2207042]);
    const after = await json(
      await graph(`/${igUserId}/content_publishing_limit?fields=config,quota_usage&access_token=${pageToken}`),
    );
    assert.equal(after.data[0].quota_usage, 6);
  });

  test("media and account insights with current metric names; retired ones are refused", async () => {
    const list = await json(await graph(`/${igUserId}/media?fields=id,caption,permalink&access_token=${pageToken}`));
    const mediaId = list.data[0].id;
    const insights = await json(
      await graph(`/${mediaId}/insights?metric=reach,likes,comments,shares,saved,views&access_token=${pageToken}`),
    );
    assert.deepEqual(
      insights.data.map((metric: { name: string }) => metric.name),
      ["reach", "likes", "comments", "shares", "saved", "views"],
    );
    for (const retired of ["impressions", "plays", "video_views"]) {
      const refused = await json(await graph(`/${mediaId}/insights?metric=${retired}&access_token=${pageToken}`));
      assert.equal(refused.error.code, 100, retired);
    }
    const account = await json(
      await graph(
        `/${igUserId}/insights?metric=reach,views,accounts_engaged,total_interactions&period=day&metric_type=total_value&access_token=${pageToken}`,
      ),
    );
    assert.equal(account.data.length, 4);
    assert.equal(typeof account.data[0].total_value.value, "number");
  });

  test("a container's life on the sandbox clock: IN_PROGRESS, FINISHED, PUBLISHED once published, EXPIRED after 24 h unpublished", async () => {
    // The login outlives the day the unpublished container waits.
    const slow = await startSandbox({
      lifetimes: {
        instagramImageProcessingSeconds: 20,
        videoProcessingSeconds: 40,
        facebookShortLivedSeconds: 200_000,
      },
    });
    try {
      const token = await userToken(slow, "facebook", "instagram_basic,instagram_content_publish,pages_show_list");
      const base = `${slow.base("meta")}/v26.0`;
      const pages = await json(
        await fetch(`${base}/me/accounts?fields=id,access_token,instagram_business_account&access_token=${token}`),
      );
      const page = pages.data.find(
        (candidate: { instagram_business_account?: unknown }) => candidate.instagram_business_account,
      );
      const igUser = page.instagram_business_account.id;
      const send = (path: string, fields: Record<string, string>) =>
        fetch(`${base}${path}`, {
          method: "POST",
          body: new URLSearchParams({ ...fields, access_token: page.access_token }),
        }).then(json);
      const status = async (id: string) =>
        (await json(await fetch(`${base}/${id}?fields=status_code&access_token=${page.access_token}`))).status_code;
      const image = await send(`/${igUser}/media`, { image_url: media.url("/photo.jpg"), caption: "Slow" });
      const reel = await send(`/${igUser}/media`, { media_type: "REELS", video_url: media.url("/clip.mp4") });
      const kept = await send(`/${igUser}/media`, { image_url: media.url("/photo.jpg"), caption: "Kept" });
      assert.deepEqual([await status(image.id), await status(reel.id)], ["IN_PROGRESS", "IN_PROGRESS"]);
      await advance(slow, 20);
      assert.deepEqual([await status(image.id), await status(reel.id)], ["FINISHED", "IN_PROGRESS"]);
      await advance(slow, 20);
      assert.equal(await status(reel.id), "FINISHED");
      await send(`/${igUser}/media_publish`, { creation_id: image.id });
      assert.equal(await status(image.id), "PUBLISHED");
      await advance(slow, 86_400);
      assert.deepEqual([await status(image.id), await status(kept.id)], ["PUBLISHED", "EXPIRED"]);
      const late = await send(`/${igUser}/media_publish`, { creation_id: kept.id });
      assert.equal(late.error.error_subcode, 2207008);
    } finally {
      await slow.close();
    }
  });
});
