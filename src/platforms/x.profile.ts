import { z } from "zod";
import { defineProfile, mediaProblems, type MediaFacts, type Problem } from "./profile.js";
import { weightedLength } from "./text-length.js";

const limits = {
  textLength: 280,
  weightedText: true,
  maxImages: 4,
  maxVideos: 1,
  mixedMedia: false,
  mediaRequired: false,
  imageTypes: ["image/jpeg", "image/png", "image/webp", "image/gif"],
  videoTypes: ["video/mp4", "video/quicktime"],
  maxImageBytes: 5 * 1024 * 1024,
  maxVideoBytes: 512 * 1024 * 1024,
  videoSeconds: { min: 0.5, max: 140 },
};

export const xProfile = defineProfile({
  id: "x",
  name: "X",
  connectsWith: "oauth",
  environment: { prefix: "TWITTER" },
  presentation: { glyph: "𝕏", color: "#111111", blurb: "Posts and threads from your X account." },
  preview: {
    layout: "thread",
    // Observed: a single image between 3:4 and 2:1 keeps its shape, cropped beyond; unconfirmed.
    imageAspect: { min: 0.75, max: 2 },
    // https://developer.x.com/en/docs/x-for-websites/cards/overview/summary-card-with-large-image
    linkCardAspect: 2,
  },
  // https://developer.x.com/en/docs/x-for-websites/cards/guides/troubleshooting-cards (Twitterbot fetches cards)
  linkFetchers: [{ name: "Twitterbot", userAgentToken: "Twitterbot" }],
  noAccountsMessage: "X returned no account for this login.",
  // https://docs.x.com/x-api/posts/creation-of-a-post
  limits,
  // A link goes out inside the post's text, where X counts it as 23 characters.
  linkInText: true,
  // X refuses identical text from the same account (403 "You are not allowed to create a Tweet
  // with duplicate content."; error 187 "Status is a duplicate" in the error index of
  // https://developer.x.com/en/support/x-api/error-troubleshooting). For how long it remembers
  // is not documented: no window is stated here, so the product picks its own.
  refusesDuplicateText: {},
  options: z.object({
    /** The parts after the first, each a reply to the one before. */
    threadParts: z.array(z.string().max(2_000)).max(25, "a thread has at most 26 parts").optional(),
    /** Media ids of each thread part, aligned with threadParts. */
    threadMedia: z
      .array(z.array(z.uuid("must be media ids")).max(4))
      .max(25)
      .optional(),
  }),
  optionDefaults: {},
  optionFields: [
    {
      kind: "parts",
      textKey: "threadParts",
      mediaKey: "threadMedia",
      label: "X thread: more posts, each replying to the one before",
    },
  ],
  referencedMedia: (options) => (options.threadMedia ?? []).flat(),
  postCount: (options) => 1 + (options.threadParts?.length ?? 0),
  rules({ options, mediaOf }) {
    const problems: Problem[] = [];
    for (const [index, ids] of (options.threadMedia ?? []).entries()) {
      const partMedia = ids.map(mediaOf).filter((item): item is MediaFacts => item !== undefined);
      problems.push(...mediaProblems("X", limits, partMedia, `options.x.threadMedia.${index}`));
    }
    for (const [index, part] of (options.threadParts ?? []).entries()) {
      if (!part.trim())
        problems.push({ field: `options.x.threadParts.${index}`, message: "A thread part cannot be empty." });
      else if (weightedLength(part) > limits.textLength) {
        problems.push({
          field: `options.x.threadParts.${index}`,
          message: `Thread part ${index + 2} is ${weightedLength(part)} weighted characters; X takes ${limits.textLength}.`,
        });
      }
    }
    return problems;
  },
});
