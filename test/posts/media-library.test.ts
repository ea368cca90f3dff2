import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import encodeWebp, { init as initWebpEncoder } from "@jsquash/webp/encode.js";
import { Jimp } from "jimp";
import { imageFitFor } from "../../src/platforms/image-fit.js";
import { platformProfiles } from "../../src/platforms/profiles.js";
import { addMember, createOrganization, signUp } from "../support/factories.js";
import { HttpClient } from "../support/client.js";
import { backends } from "../support/postgres.js";
import { json, startSandbox, type RunningSandbox } from "../sandbox/support.js";
import { connectThroughConsent, startAppWithSandbox, type TestApp } from "../connections/support.js";
import { connectionIds, mp4Of, settled, upload } from "./support.js";

async function pngOf(width: number, height: number): Promise<Buffer> {
  // Left half red, right half blue: a centred crop keeps both.
  const image = new Jimp({ width, height, color: 0xff0000ff });
  image.scan(Math.floor(width / 2), 0, width - Math.floor(width / 2), height, (_x, _y, offset) => {
    image.bitmap.data.writeUInt32BE(0x0000ffff, offset);
  });
  return image.getBuffer("image/png");
}

async function webpOf(width: number, height: number): Promise<Buffer> {
  const wasm = await readFile(new URL(import.meta.resolve("@jsquash/webp/codec/enc/webp_enc.wasm")));
  await initWebpEncoder(await WebAssembly.compile(wasm));
  const data = new Uint8ClampedArray(width * height * 4).fill(200);
  return Buffer.from(await encodeWebp({ data, width, height, colorSpace: "srgb" } as ImageData));
}

describe("fitting an image to a platform's limits", () => {
  const instagram = platformProfiles.instagram.limits;
  const png = (width: number, height: number, sizeBytes = 1000) => ({
    contentType: "image/png",
    width,
    height,
    sizeBytes,
  });

  test("a JPEG within every limit goes as it is; one a platform cannot take as JPEG is left to its rules", () => {
    assert.equal(
      imageFitFor(instagram, { contentType: "image/jpeg", width: 1080, height: 1080, sizeBytes: 1000 }),
      undefined,
    );
    assert.equal(imageFitFor(platformProfiles.youtube.limits, png(100, 100)), undefined);
    assert.equal(imageFitFor(instagram, { contentType: "video/mp4", sizeBytes: 1000 }), undefined);
  });

  test("too tall is cropped top and bottom to 4:5, too wide left and right to 1.91:1, about the centre", () => {
    assert.deepEqual(imageFitFor(instagram, png(1000, 2000)), {
      contentType: "image/jpeg",
      width: 1000,
      height: 1250,
      crop: { left: 0, top: 375, width: 1000, height: 1250 },
      reasons: ["converted from PNG to JPEG", "cropped top and bottom to the platform's tallest shape"],
    });
    const wide = imageFitFor(instagram, png(4000, 1000))!;
    assert.deepEqual(wide.crop, { left: 1045, top: 0, width: 1910, height: 1000 });
    assert.deepEqual([wide.width, wide.height], [1440, 754]);
  });

  test("rounding never carries the result out of the range, at any size", () => {
    for (let width = 300; width < 5000; width += 137)
      for (const height of [100, 333, 777, 2999]) {
        const fit = imageFitFor(instagram, png(width, height));
        if (!fit) continue;
        const aspect = fit.width / fit.height;
        assert.ok(aspect >= 0.8 && aspect <= 1.91, `${width}×${height} → ${fit.width}×${fit.height}`);
        assert.ok(fit.width <= 1440);
      }
  });

  test("a file without a known size is still converted; a JPEG over the size limit is re-encoded", () => {
    assert.deepEqual(imageFitFor(instagram, { contentType: "image/webp", sizeBytes: 10 }), {
      contentType: "image/jpeg",
      width: 0,
      height: 0,
      reasons: ["converted from WEBP to JPEG"],
    });
    const heavy = imageFitFor(instagram, { contentType: "image/jpeg", width: 1200, height: 1000, sizeBytes: 9e6 });
    assert.deepEqual(heavy?.reasons, ["re-encoded to fit 8 MB"]);
  });
});

async function fetchBytes(client: HttpClient, path: string) {
  const response = await fetch(new URL(path, client.baseUrl), { headers: { cookie: `msid=${client.cookie("msid")}` } });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

interface LibraryItem {
  id: string;
  fileName: string;
  kind: string;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  thumbnailUrl: string | null;
  uploadedBy: { name: string } | null;
  usage: { posts: number; pending: number };
  conversions: { contentType: string; width: number; height: number; crop: unknown; url: string }[];
}

const library = async (client: HttpClient, query = "") => {
  const answer = await client.get(`/api/media${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as { media: LibraryItem[]; total: number; page: number; pageSize: number };
};

for (const backend of backends) {
  describe(`the media library (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    let sandbox: RunningSandbox;
    let admin: HttpClient;
    let member: HttpClient;
    let guest: HttpClient;
    let outsider: HttpClient;

    before(async () => {
      sandbox = await startSandbox();
      ({ app } = await startAppWithSandbox({ sandbox, backend }));
      admin = app.client();
      await signUp(admin, { name: "Ada Admin" });
      await createOrganization(admin, "Library Co");
      member = app.client();
      await addMember(admin, member, "USER");
      guest = app.client();
      await addMember(admin, guest, "GUEST");
      outsider = app.client();
      await signUp(outsider);
      await createOrganization(outsider, "Elsewhere Inc");
      await connectThroughConsent(admin, "instagram", { identity: "ava" });
    });
    after(async () => {
      await app.stop();
      await sandbox.close();
    });

    test("lists uploads newest first, a page at a time, with kind, size, dimensions, duration and uploader", async () => {
      const photo = await upload(admin, { name: "wide.png", type: "image/png", body: await pngOf(600, 300) });
      const clip = await upload(member, { name: "clip.mp4", type: "video/mp4", body: mp4Of(12.5) });
      const first = await library(admin, "?pageSize=1");
      assert.equal(first.total, 2);
      assert.deepEqual(
        first.media.map((item) => item.id),
        [clip.id],
      );
      const second = await library(admin, "?pageSize=1&page=2");
      assert.deepEqual(
        second.media.map((item) => item.id),
        [photo.id],
      );
      const [video] = first.media;
      assert.equal(video!.kind, "video");
      assert.equal(video!.durationSeconds, 12.5);
      assert.equal(video!.thumbnailUrl, null);
      const [image] = second.media;
      assert.equal(image!.kind, "image");
      assert.deepEqual([image!.width, image!.height], [600, 300]);
      assert.equal(image!.uploadedBy?.name, "Ada Admin");
      assert.deepEqual(
        (await library(admin, "?kind=video")).media.map((item) => item.id),
        [clip.id],
      );
      const bad = await admin.get("/api/media?pageSize=500");
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /pageSize/);
    });

    test("an image's thumbnail is a small JPEG; a video has none", async () => {
      const photo = await upload(admin, { name: "big.png", type: "image/png", body: await pngOf(1600, 800) });
      const item = (await library(admin)).media.find((candidate) => candidate.id === photo.id)!;
      const thumbnail = await fetchBytes(admin, item.thumbnailUrl!);
      assert.equal(thumbnail.status, 200);
      assert.equal(thumbnail.type, "image/jpeg");
      const decoded = await Jimp.read(thumbnail.body);
      assert.deepEqual([decoded.width, decoded.height], [320, 160]);
      const webp = await upload(admin, { name: "leaf.webp", type: "image/webp", body: await webpOf(800, 400) });
      const webpThumbnail = await fetchBytes(admin, `/api/media/${webp.id}/thumbnail`);
      assert.equal(webpThumbnail.type, "image/jpeg");
      const decodedWebp = await Jimp.read(webpThumbnail.body);
      assert.deepEqual([decodedWebp.width, decodedWebp.height], [320, 160]);
      const video = (await library(admin, "?kind=video")).media[0]!;
      assert.equal((await fetchBytes(admin, `/api/media/${video.id}/thumbnail`)).status, 404);
    });

    test("members list and upload; guests do not; another organization sees nothing", async () => {
      assert.equal((await member.get("/api/media")).status, 200);
      assert.equal((await guest.get("/api/media")).status, 403);
      const mine = (await library(admin)).media[0]!;
      assert.equal((await outsider.get("/api/media")).body.total, 0);
      assert.equal((await outsider.delete(`/api/media/${mine.id}`)).status, 404);
      assert.equal((await fetchBytes(outsider, `/api/media/${mine.id}/thumbnail`)).status, 404);
      assert.equal((await admin.delete("/api/media/not-an-id")).status, 400);
    });

    test("a member deletes their own upload, not another's; an admin deletes any", async () => {
      const adminsFile = await upload(admin, { name: "a.png", type: "image/png", body: await pngOf(40, 40) });
      const membersFile = await upload(member, { name: "m.png", type: "image/png", body: await pngOf(40, 40) });
      const refused = await member.delete(`/api/media/${adminsFile.id}`);
      assert.equal(refused.status, 403);
      assert.equal((await member.delete(`/api/media/${membersFile.id}`)).status, 204);
      assert.equal((await admin.delete(`/api/media/${adminsFile.id}`)).status, 204);
      const ids = (await library(admin, "?pageSize=100")).media.map((item) => item.id);
      assert.ok(!ids.includes(adminsFile.id) && !ids.includes(membersFile.id));
      assert.equal((await fetch(adminsFile.url)).status, 404);
      const audit = (await admin.get("/api/audit?action=media.deleted")).body.events as {
        details: { fileName: string };
      }[];
      assert.deepEqual(audit.map((event) => event.details.fileName).sort(), ["a.png", "m.png"]);
    });

    test("a PNG posted to Instagram arrives as a JPEG cropped and scaled to Instagram's limits; the original stays in the library", async () => {
      const ids = await connectionIds(admin);
      const panorama = await upload(admin, { name: "panorama.png", type: "image/png", body: await pngOf(3000, 1000) });
      const created = await admin.post("/api/posts", {
        content: "Our new terrace, wide open",
        mediaIds: [panorama.id],
        connectionIds: [ids.byKey("instagram")],
        scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));

      const inUse = (await library(admin)).media.find((item) => item.id === panorama.id)!;
      assert.deepEqual(inUse.usage, { posts: 1, pending: 1 });
      const refused = await admin.delete(`/api/media/${panorama.id}`);
      assert.equal(refused.status, 409);
      assert.match(
        refused.body.error.message,
        /panorama\.png is used by a post not yet published: “Our new terrace, wide open” \(scheduled\)/,
      );

      const now = await admin.post("/api/posts", {
        content: "The terrace, now",
        mediaIds: [panorama.id],
        connectionIds: [ids.byKey("instagram")],
      });
      assert.equal(now.status, 201, JSON.stringify(now.body));
      const post = await settled(admin, now.body.post.id);
      assert.equal(post.targets[0].state, "published", post.targets[0].error);

      const items = (await json(await fetch(`${sandbox.url}_sandbox/published?platform=instagram`))).items as {
        text: string;
        media: { url?: string }[];
      }[];
      const published = items.find((item) => item.text === "The terrace, now")!;
      const sent = await fetch(published.media[0]!.url!);
      assert.equal(sent.headers.get("content-type"), "image/jpeg");
      const picture = await Jimp.read(Buffer.from(await sent.arrayBuffer()));
      // 3000×1000 is 3:1; Instagram takes 1.91:1 at most and 1440 pixels wide: the centre 1910×1000, scaled.
      assert.deepEqual([picture.width, picture.height], [1440, 754]);
      // JPEG is lossy: the sides are near red and near blue.
      const redAndBlue = (x: number) => {
        const color = picture.getPixelColor(x, 377);
        return [color >>> 24 > 200, ((color >>> 8) & 255) > 200];
      };
      assert.deepEqual(redAndBlue(10), [true, false]);
      assert.deepEqual(redAndBlue(1430), [false, true]);

      const listed = (await library(admin)).media.find((item) => item.id === panorama.id)!;
      assert.equal(listed.fileName, "panorama.png");
      assert.deepEqual([listed.width, listed.height], [3000, 1000]);
      assert.equal(listed.usage.posts, 2);
      assert.deepEqual(
        listed.conversions.map(({ contentType, width, height, crop }) => ({ contentType, width, height, crop })),
        [
          {
            contentType: "image/jpeg",
            width: 1440,
            height: 754,
            crop: { left: 545, top: 0, width: 1910, height: 1000 },
          },
        ],
      );
      assert.equal((await fetch(panorama.url)).headers.get("content-type"), "image/png");
    });

    test("a file only one network's version of a draft uses is held by that draft", async () => {
      const square = await upload(admin, { name: "square.png", type: "image/png", body: await pngOf(500, 500) });
      const draft = await admin.post("/api/posts", {
        content: "Shared text, no media",
        versions: { platforms: { instagram: { mediaIds: [square.id] } } },
        connectionIds: [],
        draft: true,
      });
      assert.equal(draft.status, 201, JSON.stringify(draft.body));
      const listed = (await library(admin)).media.find((item) => item.id === square.id)!;
      assert.deepEqual(listed.usage, { posts: 1, pending: 1 });
      const refused = await admin.delete(`/api/media/${square.id}`);
      assert.equal(refused.status, 409);
      assert.match(refused.body.error.message, /“Shared text, no media” \(draft\)/);
      assert.equal((await admin.delete(`/api/posts/${draft.body.post.id}`)).status, 204);
      assert.equal((await admin.delete(`/api/media/${square.id}`)).status, 204);
    });

    test("once every post using a file is published or cancelled, it can be deleted", async () => {
      const panorama = (await library(admin)).media.find((item) => item.fileName === "panorama.png")!;
      const scheduled = (await admin.get("/api/posts")).body.posts.find(
        (post: { status: string }) => post.status === "scheduled",
      );
      assert.equal((await admin.delete(`/api/posts/${scheduled.id}`)).status, 204);
      assert.equal((await admin.delete(`/api/media/${panorama.id}`)).status, 204);
      assert.equal((await fetch(panorama.conversions[0]!.url)).status, 404);
      const published = (await admin.get("/api/posts")).body.posts.find(
        (post: { status: string }) => post.status === "published",
      );
      assert.equal((await admin.get(`/api/posts/${published.id}`)).status, 200);
    });
  });
}
