import { z } from "zod";
import { defineProfile } from "./profile.js";

export const linkedinProfile = defineProfile({
  id: "linkedin",
  name: "LinkedIn",
  connectsWith: "oauth",
  environment: {
    prefix: "LINKEDIN",
    apiVersion: { default: "202607", pattern: /^\d{6}$/, format: "must be YYYYMM, e.g. 202607" },
  },
  presentation: { glyph: "in", color: "#0a66c2", blurb: "Your member profile and the company pages you administer." },
  noAccountsMessage: "LinkedIn returned no member for this login.",
  // https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
  limits: {
    textLength: 3_000,
    maxImages: 20,
    maxVideos: 1,
    mixedMedia: false,
    mediaRequired: false,
    imageTypes: ["image/jpeg", "image/png", "image/gif"],
    videoTypes: ["video/mp4"],
    maxImageBytes: 36 * 1024 * 1024,
    maxVideoBytes: 500 * 1024 * 1024,
    videoSeconds: { min: 3, max: 1800 },
  },
  options: z.object({}),
  optionDefaults: {},
  optionFields: [],
});
