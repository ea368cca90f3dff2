import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { imageSize, videoDuration } from "../../src/posts/probe.js";
import { jpegOf, mp4Of } from "./support.js";

describe("media probing", () => {
  test("image sizes from JPEG, PNG and GIF headers; nothing from garbage", () => {
    assert.deepEqual(imageSize(jpegOf(1080, 1350)), { width: 1080, height: 1350 });
    const png = Buffer.alloc(32);
    png.writeUInt32BE(0x89504e47, 0);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    assert.deepEqual(imageSize(png), { width: 640, height: 480 });
    const gif = Buffer.from("GIF89a\x20\x03\x58\x02", "latin1");
    assert.deepEqual(imageSize(gif), { width: 800, height: 600 });
    assert.deepEqual(imageSize(Buffer.from("not an image")), {});
  });

  test("a video's duration from its mvhd box", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "probe-"));
    try {
      await writeFile(path.join(directory, "clip.mp4"), mp4Of(42.5));
      assert.deepEqual(await videoDuration(path.join(directory, "clip.mp4")), { durationSeconds: 42.5 });
      await writeFile(path.join(directory, "zeros.mp4"), Buffer.alloc(1000));
      assert.deepEqual(await videoDuration(path.join(directory, "zeros.mp4")), {});
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
