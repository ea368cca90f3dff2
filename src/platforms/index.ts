import { facebook } from "./facebook.js";
import { instagram } from "./instagram.js";
import { linkedin } from "./linkedin.js";
import type { PlatformDefinition } from "./platform.js";
import type { PlatformId } from "./profiles.js";
import { telegram } from "./telegram.js";
import { tiktok } from "./tiktok.js";
import { x } from "./x.js";
import { youtube } from "./youtube.js";

/** Every platform's wire module, by id; the pure profiles are listed in ./profiles.ts. */
export const platforms: Record<PlatformId, PlatformDefinition> = {
  facebook,
  instagram,
  x,
  linkedin,
  youtube,
  telegram,
  tiktok,
};
