import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AdjustableClock } from "../../src/clock.js";
import { createOrganization, signUp } from "../support/factories.js";
import type { HttpClient } from "../support/client.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectEveryPlatform, jpegOf, mp4Of, settled, upload } from "./support.js";

describe("cross-posting against the platform sandbox", () => {
  let app: TestApp;
  let sandbox: RunningSandbox;
  let client: HttpClient;
  let ids: Awaited<ReturnType<typeof connectEveryPlatform>>;
  let clock: AdjustableClock;
  let passTime: (milliseconds: number) => Promise<void>;

  before(async () => {
    sandbox = await startSandbox({ lifetimes: { videoProcessingSeconds: 1 } });
    ({ app, clock, passTime } = await startAppWithSandbox({ sandbox }));
    client = app.client();
    await signUp(client);
    await createOrganization(client, "Crosspost Co");
    ids = await connectEveryPlatform(client);
  });
  after(async () => {
    await app.stop();
    await sandbox.close();
  });

  const published = async (platform: string) =>
    (await json(await fetch(`${sandbox.url}_sandbox/published?platform=${platform}`))).items as {
      id: string;
      text: string;
      parentId?: string;
      media: unknown[];
    }[];
  const compose = (body: Record<string, unknown>) => client.post("/api/posts", body);

  test("one text post to four platforms: each result has the platform's post id and URL", async () => {
    const created = await compose({
      content: "Spring menu is live (finally) #coffee",
      link: "https://northwind.example/spring",
      connectionIds: [ids.byKey("x"), ids.byKey("facebook"), ids.byKey("linkedin"), ids.byKey("telegram")],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    assert.equal(post.status, "published");
    const byPlatform = Object.fromEntries(
      post.targets.map((target: { platform: string }) => [target.platform, target]),
    );
    assert.match(byPlatform.x.url, /^https:\/\/x\.com\/ava_northwind\/status\/\d+$/);
    assert.match(byPlatform.facebook.url, /^https:\/\/www\.facebook\.com\/200000000000001_\d+$/);
    assert.match(byPlatform.linkedin.url, /^https:\/\/www\.linkedin\.com\/feed\/update\/urn:li:share:\d+\/$/);
    assert.match(byPlatform.telegram.url, /^https:\/\/t\.me\/northwind_news\/\d+$/);
    const linkedinPost = (await published("linkedin")).find((item) => item.id === byPlatform.linkedin.postId)!;
    assert.equal(
      linkedinPost.text,
      "Spring menu is live (finally) #coffee",
      "reserved characters were escaped, so LinkedIn kept the whole text",
    );
    assert.equal((await published("x")).filter((item) => item.text.startsWith("Spring menu")).length, 1);
  });

  test("an X thread: each part replies to the one before", async () => {
    const created = await compose({
      content: "Thread: how we roast 1/3",
      connectionIds: [ids.byKey("x")],
      options: { x: { threadParts: ["2/3 low and slow", "3/3 rest two days"] } },
    });
    const post = await settled(client, created.body.post.id);
    const parts = await published("x");
    const first = parts.find((item) => item.id === post.targets[0].postId)!;
    const second = parts.find((item) => item.parentId === first.id)!;
    const third = parts.find((item) => item.parentId === second.id)!;
    assert.deepEqual([second.text, third.text], ["2/3 low and slow", "3/3 rest two days"]);
  });

  test("an X thread whose parts carry their own images", async () => {
    const [first, second] = [await upload(client, "/photo.jpg"), await upload(client, "/photo.jpg")];
    const created = await compose({
      content: "Roast day in pictures 1/2",
      mediaIds: [first.id],
      connectionIds: [ids.byKey("x")],
      options: { x: { threadParts: ["2/2 the cooling tray"], threadMedia: [[second.id]] } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    const parts = await published("x");
    const head = parts.find((item) => item.id === post.targets[0].postId)!;
    const reply = parts.find((item) => item.parentId === head.id)!;
    assert.deepEqual([head.media.length, reply.media.length], [1, 1]);
    const tooMany = await compose({
      content: "too many",
      connectionIds: [ids.byKey("x")],
      options: { x: { threadParts: ["second"], threadMedia: [[first.id, second.id, first.id, second.id, first.id]] } },
    });
    assert.equal(tooMany.status, 400);
  });

  test("images: Instagram and Facebook fetch them by URL, X and LinkedIn take the bytes, Telegram a URL", async () => {
    const photo = await upload(client, "/photo.jpg");
    const created = await compose({
      content: "Latte art of the day",
      mediaIds: [photo.id],
      connectionIds: [
        ids.byKey("instagram"),
        ids.byKey("facebook"),
        ids.byKey("x"),
        ids.byKey("linkedin"),
        ids.byKey("telegram"),
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    assert.deepEqual(
      post.targets.map((target: { state: string; error: string | null }) => [target.state, target.error]),
      post.targets.map(() => ["published", null]),
    );
    const instagram = post.targets.find((target: { platform: string }) => target.platform === "instagram");
    assert.ok(instagram.url.startsWith(`${sandbox.base("meta")}/p/`), instagram.url);
  });

  test("a carousel on Instagram and several photos on Facebook", async () => {
    const photos = [await upload(client, "/photo.jpg"), await upload(client, "/photo.jpg")];
    const created = await compose({
      content: "Two roasts",
      mediaIds: photos.map((photo) => photo.id),
      connectionIds: [ids.byKey("instagram"), ids.byKey("facebook")],
    });
    const post = await settled(client, created.body.post.id);
    assert.ok(
      post.targets.every((target: { state: string }) => target.state === "published"),
      JSON.stringify(post.targets),
    );
    const facebook = (await published("facebook")).find(
      (item) => item.id === post.targets.find((target: { platform: string }) => target.platform === "facebook").postId,
    )!;
    assert.equal(facebook.media.length, 2);
  });

  test("video: a YouTube resumable upload, an Instagram reel and a YouTube Short", async () => {
    const clip = await upload(client, "/clip.mp4");
    const created = await compose({
      content: "Behind the roaster",
      mediaIds: [clip.id],
      connectionIds: [ids.byKey("youtube"), ids.byKey("instagram")],
      options: { instagram: { format: "reel" }, youtube: { title: "Behind the roaster", privacy: "unlisted" } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const post = await settled(client, created.body.post.id);
    const youtube = post.targets.find((target: { platform: string }) => target.platform === "youtube");
    assert.equal(youtube.state, "published", youtube.error);
    assert.match(youtube.url, /^https:\/\/www\.youtube\.com\/watch\?v=/);
    assert.match(post.targets.find((target: { platform: string }) => target.platform === "instagram").url, /\/reel\//);
    const short = await compose({
      content: "Pour-over in 30 seconds",
      mediaIds: [clip.id],
      connectionIds: [ids.byKey("youtube")],
      options: { youtube: { short: true } },
    });
    const shortPost = await settled(client, short.body.post.id);
    assert.match(shortPost.targets[0].url, /\/shorts\//);
  });

  test("rules are checked before anything is queued, naming the field", async () => {
    const long = await compose({ content: "x".repeat(281), connectionIds: [ids.byKey("x")] });
    assert.equal(long.status, 400);
    assert.equal(long.body.error.field, "content");
    assert.match(long.body.error.message, /280 weighted characters; this is 281/);
    const noMedia = await compose({ content: "caption only", connectionIds: [ids.byKey("instagram")] });
    assert.equal(noMedia.body.error.field, "mediaIds");
    // A PNG is converted for Instagram (test/posts/media-library.test.ts); a WebM video is not.
    const webm = await upload(client, {
      name: "clip.webm",
      type: "video/webm",
      body: Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from("\x42\x82\x84webm"), Buffer.alloc(512)]),
    });
    const wrongType = await compose({ content: "webm", mediaIds: [webm.id], connectionIds: [ids.byKey("instagram")] });
    assert.match(
      wrongType.body.error.message,
      /Instagram does not take WEBM files like clip.webm; it takes MP4, MOV\./,
    );
    const title = await compose({
      content: "t",
      mediaIds: [(await upload(client, "/clip.mp4")).id],
      connectionIds: [ids.byKey("youtube")],
      options: { youtube: { title: "y".repeat(101) } },
    });
    assert.equal(title.body.error.field, "options.youtube.title");
    const past = await compose({
      content: "late",
      connectionIds: [ids.byKey("x")],
      scheduledAt: "2020-01-01T00:00:00Z",
    });
    assert.equal(past.body.error.field, "scheduledAt");
    const stranger = await compose({ content: "who", connectionIds: ["00000000-0000-4000-8000-000000000000"] });
    assert.equal(stranger.body.error.field, "connectionIds");
    // An image too wide for Instagram is cropped into its range rather than refused: scheduling it is accepted.
    const wide = await upload(client, { name: "banner.jpg", type: "image/jpeg", body: jpegOf(3000, 1000) });
    const cropped = await compose({
      content: "banner",
      mediaIds: [wide.id],
      connectionIds: [ids.byKey("instagram")],
      scheduledAt: new Date(clock.now() + 3_600_000).toISOString(),
    });
    assert.equal(cropped.status, 201, JSON.stringify(cropped.body));
    assert.equal((await client.delete(`/api/posts/${cropped.body.post.id}`)).status, 204);
    const longVideo = await upload(client, { name: "long.mp4", type: "video/mp4", body: mp4Of(200) });
    const shortTooLong = await compose({
      content: "long",
      mediaIds: [longVideo.id],
      connectionIds: [ids.byKey("youtube")],
      options: { youtube: { short: true } },
    });
    assert.equal(shortTooLong.body.error.field, "options.youtube.short");
    const xTooLong = await compose({ content: "long", mediaIds: [longVideo.id], connectionIds: [ids.byKey("x")] });
    assert.match(xTooLong.body.error.message, /lasts 200 s; X takes videos of 0.5 to 140 s/);
    const bad = await upload(client, { name: "notes.txt", type: "text/plain", body: Buffer.from("hello") }).catch(
      (error: Error) => error,
    );
    assert.ok(bad instanceof Error && /415/.test(bad.message));
  });

  test("scheduled: published at its time (any offset, stored UTC); edited and cancelled ones behave", async () => {
    const at = new Date(clock.now() + 3_000);
    const offset = at
      .toISOString()
      .replace("Z", "+00:00")
      .replace(/T(\d\d)/, (_, hour: string) => `T${hour}`);
    const created = await compose({
      content: `Scheduled ${at.getTime()}`,
      connectionIds: [ids.byKey("telegram")],
      scheduledAt: offset,
    });
    assert.equal(created.body.post.status, "scheduled");
    const cancelled = await compose({
      content: `Never ${at.getTime()}`,
      connectionIds: [ids.byKey("telegram")],
      scheduledAt: new Date(clock.now() + 3_000).toISOString(),
    });
    assert.equal((await client.delete(`/api/posts/${cancelled.body.post.id}`)).status, 204);
    const moved = await compose({
      content: `Moved ${at.getTime()}`,
      connectionIds: [ids.byKey("telegram")],
      scheduledAt: new Date(clock.now() + 2_000).toISOString(),
    });
    const later = new Date(clock.now() + 5_000);
    const edited = await client.patch(`/api/posts/${moved.body.post.id}`, {
      scheduledAt: later.toISOString(),
      content: `Moved and edited ${at.getTime()}`,
    });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));

    // The clock is moved to each time rather than waited for.
    const passTo = async (time: Date) => {
      const ahead = time.getTime() - clock.now();
      if (ahead > 0) await passTime(ahead);
    };
    await passTo(at);
    const post = await settled(client, created.body.post.id);
    const lateness = new Date(post.targets[0].publishedAt).getTime() - at.getTime();
    assert.ok(lateness >= 0 && lateness < 1_000, `published ${lateness} ms after its time`);
    await passTo(later);
    const movedPost = await settled(client, moved.body.post.id);
    assert.ok(new Date(movedPost.targets[0].publishedAt).getTime() >= later.getTime() - 50);
    const texts = (await published("telegram")).map((item) => item.text);
    assert.equal(texts.filter((text) => text.includes(`Moved`) && text.includes(String(at.getTime()))).length, 1);
    assert.ok(texts.includes(`Moved and edited ${at.getTime()}`));
    assert.ok(!texts.includes(`Never ${at.getTime()}`));
    assert.equal((await client.get(`/api/posts/${cancelled.body.post.id}`)).body.post.status, "cancelled");
  });
});
