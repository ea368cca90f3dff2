import { readFile } from "node:fs/promises";
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { media, organizationLogos } from "../db/schema.js";
import { mediaPath } from "../posts/media.js";

/** Image types both the PDF library and every mail client show. */
export const logoContentTypes = ["image/png", "image/jpeg"] as const;

export interface Logo {
  bytes: Buffer;
  contentType: string;
}

/** The organization's logo file, or none; a logo whose file is gone is none. */
export async function organizationLogo(context: AppContext, organizationId: string): Promise<Logo | undefined> {
  const [row] = await context.db
    .select({ record: media })
    .from(organizationLogos)
    .innerJoin(media, and(eq(media.id, organizationLogos.mediaId), eq(media.organizationId, organizationId)))
    .where(eq(organizationLogos.organizationId, organizationId));
  if (!row) return undefined;
  const bytes = await readFile(mediaPath(context, row.record)).catch(() => undefined);
  return bytes ? { bytes, contentType: row.record.contentType } : undefined;
}
