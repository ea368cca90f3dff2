import { z } from "zod";
import { defineProfile, isVideo } from "./profile.js";

const HASHTAGS = 30;

export const instagramProfile = defineProfile({
  id: "instagram",
  name: "Instagram",
  connectsWith: "oauth",
  // Instagram business accounts are reached through Facebook Login: the same Meta app by default.
  environment: { prefix: "INSTAGRAM", fallbackPrefix: "FACEBOOK" },
  presentation: { glyph: "◎", color: "#d62976", blurb: "Business and creator accounts linked to a Facebook Page." },
  preview: {
    layout: "visual",
    // Observed: the feed cuts a caption after about 125 characters; Meta's ads guide advises 125. Unconfirmed.
    fold: { characters: 125, label: "more" },
    // https://developers.facebook.com/docs/instagram-platform/content-publishing
    imageAspect: { min: 0.8, max: 1.91 },
    // Reels and stories are full-screen 9:16. https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#reel-specifications
    frame: (options) => (options.format === "reel" || options.format === "story" ? 9 / 16 : undefined),
  },
  noAccountsMessage:
    "None of this login's Facebook Pages has an Instagram professional account linked. Link the Instagram business or creator account to a Page in Meta Business Suite, then connect again.",
  // https://developers.facebook.com/docs/instagram-platform/content-publishing
  limits: {
    textLength: 2_200,
    maxImages: 10,
    maxVideos: 10,
    // A carousel holds 2 to 10 images and videos in all. https://developers.facebook.com/docs/instagram-platform/content-publishing#carousel-posts
    mediaTotal: { min: 2, max: 10 },
    mixedMedia: true,
    mediaRequired: true,
    imageTypes: ["image/jpeg"],
    videoTypes: ["video/mp4", "video/quicktime"],
    maxImageBytes: 8 * 1024 * 1024,
    maxVideoBytes: 300 * 1024 * 1024,
    // JPEG only, 320 to 1440 pixels wide (Instagram scales a narrower one up; a wider one is scaled down before it is sent), 4:5 to 1.91:1.
    // https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications
    maxImageWidth: 1440,
    imageAspect: { min: 0.8, max: 1.91 },
    videoSeconds: { min: 3, max: 900 },
  },
  options: z.object({ format: z.enum(["post", "reel", "story"]).optional() }),
  optionDefaults: { format: "post" },
  optionFields: [
    {
      kind: "choice",
      key: "format",
      label: "Instagram format",
      choices: [
        { value: "post", label: "Post (one image, or a carousel)" },
        { value: "reel", label: "Reel (one video)" },
        { value: "story", label: "Story" },
      ],
    },
  ],
  rules({ content, media, options }) {
    const problems = [];
    if ((content.match(/#[\p{L}\p{N}_]+/gu) ?? []).length > HASHTAGS)
      problems.push({ field: "content", message: `Instagram takes at most ${HASHTAGS} hashtags.` });
    if (options.format === "story" && media.length !== 1)
      problems.push({ field: "mediaIds", message: "An Instagram story is one image or one video." });
    if (options.format === "reel" && (media.length !== 1 || !isVideo(media[0]!)))
      problems.push({ field: "mediaIds", message: "An Instagram reel is one video." });
    return problems;
  },
});
