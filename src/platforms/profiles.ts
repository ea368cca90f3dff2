import { z } from "zod";
import { facebookProfile } from "./facebook.profile.js";
import { instagramProfile } from "./instagram.profile.js";
import { linkedinProfile } from "./linkedin.profile.js";
import { telegramProfile } from "./telegram.profile.js";
import { tiktokProfile } from "./tiktok.profile.js";
import { xProfile } from "./x.profile.js";
import { youtubeProfile } from "./youtube.profile.js";

/**
 * Every platform, in the order the dashboard shows them: the one list of platforms. Pure, so the
 * dashboard imports it too; the server's wire modules are in ./index.ts.
 */
export const platformProfiles = {
  facebook: facebookProfile,
  instagram: instagramProfile,
  x: xProfile,
  linkedin: linkedinProfile,
  youtube: youtubeProfile,
  telegram: telegramProfile,
  tiktok: tiktokProfile,
};

export type PlatformId = keyof typeof platformProfiles;
export const platformIds = Object.keys(platformProfiles) as [PlatformId, ...PlatformId[]];

/** Each platform's own post options. */
export type PlatformOptions<Id extends PlatformId> = z.infer<(typeof platformProfiles)[Id]["options"]>;

/** A post's options, keyed by platform: `{ x: {threadParts…}, instagram: {format}, … }`. */
export type PostOptions = { [Id in PlatformId]?: PlatformOptions<Id> };

/** The options of every platform a post may go to, each checked by its own platform's schema. */
export const postOptionsSchema = z.object(
  Object.fromEntries(platformIds.map((id) => [id, platformProfiles[id].options.optional()])) as {
    [Id in PlatformId]: z.ZodOptional<(typeof platformProfiles)[Id]["options"]>;
  },
);

/** The keys of a platform's options that hold further texts of the post (an X thread's parts). */
export const textPartKeys = (platform: PlatformId): string[] =>
  platformProfiles[platform].optionFields.flatMap((field) => (field.kind === "parts" ? [field.textKey] : []));
