import { z } from "zod";
import { defineProfile, type Problem, type RuleSettings } from "./profile.js";

/** Who can see a post, as TikTok names it. https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info */
const privacyLevels = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"] as const;

/** Until TikTok audits the app, every post it makes is private. https://developers.tiktok.com/doc/content-sharing-guidelines */
const offeredPrivacy = ({ flags }: RuleSettings): string[] => (flags.audited ? [...privacyLevels] : ["SELF_ONLY"]);

const UNAUDITED_NOTICE =
  "Until TikTok audits this app, it may post only as “Only me”, and only to private TikTok accounts.";

export const tiktokProfile = defineProfile({
  id: "tiktok",
  name: "TikTok",
  connectsWith: "oauth",
  environment: {
    prefix: "TIKTOK",
    clientIdSuffix: "CLIENT_KEY",
    flags: {
      audited: {
        suffix: "AUDITED",
        default: false,
        description: "whether TikTok has audited the app, which lets it post other than privately",
      },
    },
  },
  presentation: { glyph: "♪", color: "#fe2c55", blurb: "Videos and photo posts from your TikTok account." },
  preview: {
    layout: "visual",
    // Observed: the caption over the video is cut after about 100 characters; unconfirmed.
    fold: { characters: 100, label: "more" },
    // Full-screen vertical. https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
    frame: () => 9 / 16,
  },
  // TikTok does not document its fetcher; it calls itself TikTokSpider (ttspider-feedback@tiktok.com):
  // https://darkvisitors.com/agents/tiktokspider
  linkFetchers: [{ name: "TikTokSpider", userAgentToken: "TikTokSpider" }],
  noAccountsMessage: "TikTok returned no account for this login.",
  // https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#video_restrictions
  limits: {
    // A video's caption; a photo post's description takes 4,000.
    textLength: 2_200,
    maxImages: 35,
    maxVideos: 1,
    mixedMedia: false,
    mediaRequired: true,
    imageTypes: ["image/jpeg", "image/webp"],
    videoTypes: ["video/mp4", "video/quicktime", "video/webm"],
    // "20MB" and "4GB", read as the smaller of 10ⁿ and 2ⁿ bytes.
    maxImageBytes: 20_000_000,
    maxVideoBytes: 4_000_000_000,
    // No minimum is documented; ten minutes is the most the API takes (a creator's own maximum may be less).
    videoSeconds: { min: 0, max: 600 },
  },
  // TikTok's guidelines: no default privacy, and comments, duets and stitches off until the user turns them on.
  options: z.object({
    privacy: z.enum(privacyLevels).optional(),
    allowComments: z.boolean().optional(),
    allowDuet: z.boolean().optional(),
    allowStitch: z.boolean().optional(),
    /** Promotes the creator's own business (`brand_organic_toggle`). */
    yourBrand: z.boolean().optional(),
    /** Paid partnership with a third party (`brand_content_toggle`). */
    brandedContent: z.boolean().optional(),
    aiGenerated: z.boolean().optional(),
  }),
  optionDefaults: {},
  optionFields: [
    {
      kind: "choice",
      key: "privacy",
      label: "Who can see this TikTok post",
      placeholder: "Choose…",
      choices: [
        { value: "PUBLIC_TO_EVERYONE", label: "Everyone" },
        { value: "FOLLOWER_OF_CREATOR", label: "Followers (private accounts)" },
        { value: "MUTUAL_FOLLOW_FRIENDS", label: "Friends" },
        { value: "SELF_ONLY", label: "Only me" },
      ],
      offered: offeredPrivacy,
      notice: ({ flags }) => (flags.audited ? undefined : UNAUDITED_NOTICE),
    },
    { kind: "toggle", key: "allowComments", label: "Allow comments" },
    { kind: "toggle", key: "allowDuet", label: "Allow duets (videos)" },
    { kind: "toggle", key: "allowStitch", label: "Allow stitches (videos)" },
    { kind: "toggle", key: "yourBrand", label: "Promotes your own brand" },
    { kind: "toggle", key: "brandedContent", label: "Branded content (a paid partnership)" },
    { kind: "toggle", key: "aiGenerated", label: "Made with AI" },
  ],
  rules({ options }, settings) {
    const problems: Problem[] = [];
    const field = "options.tiktok.privacy";
    if (!options.privacy) problems.push({ field, message: "Choose who can see this TikTok post." });
    else if (!offeredPrivacy(settings).includes(options.privacy)) problems.push({ field, message: UNAUDITED_NOTICE });
    if (options.brandedContent && options.privacy === "SELF_ONLY")
      problems.push({ field, message: "Branded content cannot be private on TikTok." });
    return problems;
  },
});
