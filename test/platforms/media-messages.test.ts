import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { draftProblems, type PlatformProfile } from "../../src/platforms/profile.js";
import { platformProfiles } from "../../src/platforms/profiles.js";

describe("media messages read as sentences", () => {
  const problems = (platform: "youtube" | "instagram", media: { fileName: string; contentType: string }[]) =>
    draftProblems(
      platformProfiles[platform] as PlatformProfile,
      {
        content: "A clip",
        media: media.map((item) => ({ ...item, sizeBytes: 1_000 })),
        options: { title: "A clip" },
        mediaOf: () => undefined,
      },
      { flags: {} },
    ).map((problem) => problem.message);

  test("a platform that takes no images says so once, without a count of zero", () => {
    assert.deepEqual(
      problems("youtube", [
        { fileName: "clip.mp4", contentType: "video/mp4" },
        { fileName: "cover.jpg", contentType: "image/jpeg" },
      ]),
      ["YouTube takes no images; remove the image."],
    );
  });

  test("a file type is named as people name it", () => {
    assert.ok(
      problems("instagram", [
        { fileName: "a.jpg", contentType: "image/jpeg" },
        { fileName: "clip.webm", contentType: "video/webm" },
      ]).includes("Instagram does not take WEBM files like clip.webm; it takes MP4, MOV."),
    );
  });
});
