import { z } from "zod";
import { defineProfile, type ConnectVariant } from "./profile.js";

// Member posting and company pages are separate LinkedIn apps: Community Management must be the
// only product on its app, and an authorization asking for any scope the app lacks is refused whole.
// https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
// https://learn.microsoft.com/linkedin/consumer/integrations/self-serve/share-on-linkedin
// https://learn.microsoft.com/linkedin/marketing/community-management/community-management-api-migration-guide
export const linkedinProfileApp: ConnectVariant = {
  id: "profile",
  label: "LinkedIn profile",
  description: "Post as yourself (Sign In with LinkedIn using OpenID Connect and Share on LinkedIn).",
  scopes: ["openid", "profile", "email", "w_member_social"],
};

export const linkedinPagesApp: ConnectVariant = {
  id: "pages",
  label: "LinkedIn pages",
  description: "Post as the company pages you administer (the Community Management API, on its own app).",
  scopes: ["r_organization_social", "w_organization_social", "rw_organization_admin"],
  credentialsPrefix: "LINKEDIN_PAGES",
};

export const linkedinProfile = defineProfile({
  id: "linkedin",
  name: "LinkedIn",
  connectsWith: "oauth",
  environment: {
    prefix: "LINKEDIN",
    apiVersion: { default: "202607", pattern: /^\d{6}$/, format: "must be YYYYMM, e.g. 202607" },
  },
  presentation: { glyph: "in", color: "#0a66c2", blurb: "Your member profile and the company pages you administer." },
  preview: {
    layout: "feed",
    // Observed in the desktop feed, not documented: unconfirmed.
    fold: { characters: 210, label: "see more" },
    // Observed: a single image keeps its shape between 4:5 and 1.91:1, cropped beyond; unconfirmed.
    imageAspect: { min: 0.8, max: 1.91 },
    // https://www.linkedin.com/help/linkedin/answer/a521928
    linkCardAspect: 1.91,
  },
  // https://www.linkedin.com/help/linkedin/answer/a521928 (LinkedInBot reads a shared page's tags)
  linkFetchers: [{ name: "LinkedInBot", userAgentToken: "LinkedInBot" }],
  noAccountsMessage:
    "LinkedIn returned nothing to post as: for company pages, you must be a page's Super admin or Content admin.",
  connectVariants: [linkedinProfileApp, linkedinPagesApp],
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
