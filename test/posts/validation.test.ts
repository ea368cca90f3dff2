import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PlatformId, PostOptions } from "../../src/platforms/profiles.js";
import type { MediaRecord } from "../../src/posts/media.js";
import { validatePost } from "../../src/posts/validation.js";

/** Validation is pure: the profiles' rules, run as POST /api/posts and the composer run them. */

let nextId = 0;
function file(contentType: string): MediaRecord {
  nextId += 1;
  return {
    id: `00000000-0000-4000-8000-${String(nextId).padStart(12, "0")}`,
    fileName: `file-${nextId}.${contentType.split("/")[1]}`,
    contentType,
    sizeBytes: 1_000,
    width: 1080,
    height: 1080,
    durationSeconds: contentType.startsWith("video/") ? 20 : null,
  } as MediaRecord;
}

function problems(
  platform: PlatformId,
  draft: { content?: string; link?: string; media?: MediaRecord[]; options?: PostOptions },
) {
  return validatePost({
    content: draft.content ?? "",
    link: draft.link,
    media: draft.media ?? [],
    mediaById: new Map(),
    platforms: [platform],
    postOptions: draft.options ?? {},
    settingsOf: () => ({ flags: {} }),
  }).map((problem) => problem.message);
}

describe("validation: what each platform would refuse, said before anything is sent", () => {
  const video = file("video/mp4");
  const titled = { youtube: { title: "A title" } } as PostOptions;

  test("YouTube: a description over 5,000 UTF-8 bytes is refused even under 5,000 characters", () => {
    assert.deepEqual(problems("youtube", { content: "é".repeat(2_500), media: [video], options: titled }), []);
    const [message, ...others] = problems("youtube", { content: "é".repeat(2_501), media: [video], options: titled });
    assert.match(message!, /YouTube descriptions are at most 5,000 bytes; this is 5,002/);
    assert.deepEqual(others, []);
    const ascii = problems("youtube", { content: "a".repeat(5_001), media: [video], options: titled });
    assert.equal(ascii.length, 1, "one message for one mistake");
  });

  test("YouTube: < or > in the description or the title is refused; titles count characters", () => {
    assert.deepEqual(problems("youtube", { content: "1 < 2", media: [video], options: titled }), [
      "YouTube descriptions cannot contain < or >.",
    ]);
    assert.deepEqual(
      problems("youtube", { content: "Text", media: [video], options: { youtube: { title: "a > b" } } as PostOptions }),
      ["YouTube titles cannot contain < or >."],
    );
    const emoji = { youtube: { title: "🎬".repeat(100) } } as PostOptions;
    assert.deepEqual(problems("youtube", { content: "Text", media: [video], options: emoji }), []);
  });

  test("Telegram: an album takes 2 to 10 items in all, images and videos together", () => {
    const images = (count: number) => Array.from({ length: count }, () => file("image/jpeg"));
    const videos = (count: number) => Array.from({ length: count }, () => file("video/mp4"));
    assert.deepEqual(problems("telegram", { content: "Album", media: [...images(5), ...videos(5)] }), []);
    assert.deepEqual(problems("telegram", { content: "Album", media: [...images(6), ...videos(5)] }), [
      "Telegram takes 2 to 10 images and videos together in one post; this has 11.",
    ]);
  });

  test("Telegram: the link it appends counts towards the caption and the message", () => {
    const link = "https://northwind.example/roast";
    const caption = "c".repeat(1_024 - link.length - 2);
    assert.deepEqual(problems("telegram", { content: caption, link, media: [file("image/jpeg")] }), []);
    assert.deepEqual(problems("telegram", { content: `${caption}c`, link, media: [file("image/jpeg")] }), [
      "Telegram captions on media are at most 1,024 characters, the link included; this is 1,025.",
    ]);
    const message = "m".repeat(4_096 - link.length - 2);
    assert.deepEqual(problems("telegram", { content: message, link }), []);
    assert.deepEqual(problems("telegram", { content: `${message}m`, link }), [
      "Telegram takes at most 4096 characters; this is 4097.",
    ]);
  });
});
