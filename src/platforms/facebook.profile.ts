import { z } from "zod";
import { defineProfile } from "./profile.js";

export const facebookProfile = defineProfile({
  id: "facebook",
  name: "Facebook Pages",
  connectsWith: "oauth",
  environment: {
    prefix: "FACEBOOK",
    apiVersion: { default: "v26.0", pattern: /^v\d+\.\d+$/, format: "must look like v26.0" },
  },
  presentation: { glyph: "f", color: "#1877f2", blurb: "Post to the Facebook Pages you manage." },
  preview: {
    layout: "feed",
    // Observed in the desktop feed, not documented: unconfirmed.
    fold: { characters: 477, label: "See more" },
    // Observed: a single image keeps its shape between 4:5 and 1.91:1, cropped beyond; unconfirmed.
    imageAspect: { min: 0.8, max: 1.91 },
    // https://developers.facebook.com/docs/sharing/webmasters/images/
    linkCardAspect: 1.91,
  },
  // Meta's crawler fetches shared links for previews, for Facebook, Instagram and WhatsApp alike.
  // https://developers.facebook.com/docs/sharing/webmasters/web-crawlers/
  linkFetchers: [
    { name: "facebookexternalhit", userAgentToken: "facebookexternalhit" },
    { name: "Facebot", userAgentToken: "Facebot" },
  ],
  noAccountsMessage:
    "This Facebook login manages no Pages it may post to. Connect with an account that is an admin of a Page (with the Create content task).",
  // https://developers.facebook.com/docs/pages-api/posts
  limits: {
    textLength: 63_206,
    maxImages: 10,
    maxVideos: 1,
    mixedMedia: false,
    mediaRequired: false,
    imageTypes: ["image/jpeg", "image/png", "image/gif", "image/webp"],
    videoTypes: ["video/mp4", "video/quicktime"],
    maxImageBytes: 10 * 1024 * 1024,
    maxVideoBytes: 1024 * 1024 * 1024,
  },
  options: z.object({}),
  optionDefaults: {},
  optionFields: [],
});
