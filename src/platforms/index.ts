import type { PlatformId } from "../config.js";
import { facebook } from "./facebook.js";
import { instagram } from "./instagram.js";
import { linkedin } from "./linkedin.js";
import type { PlatformDefinition } from "./platform.js";
import { telegram } from "./telegram.js";
import { x } from "./x.js";
import { youtube } from "./youtube.js";

/** Every platform, by id: adding one is a file here and a line in this registry. */
export const platforms: Record<PlatformId, PlatformDefinition> = {
  facebook,
  instagram,
  x,
  linkedin,
  youtube,
  telegram,
};
