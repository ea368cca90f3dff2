import { randomBytes, randomUUID } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { and, eq, inArray } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { mediaVariants, type VariantCrop } from "../db/schema.js";
import { imageFitFor, type ImageFit } from "../platforms/image-fit.js";
import type { ContentLimits } from "../platforms/limits.js";
import type { OutgoingMedia } from "../platforms/platform.js";
import { convertImage, thumbnailImage, UndecodableImage, type EncodedImage } from "./media-images.js";
import { mediaPath, outgoingMedia, publicMediaUrl, type MediaRecord } from "./media.js";

export type VariantRecord = typeof mediaVariants.$inferSelect;

const THUMBNAIL_RECIPE = "thumbnail";

export const isThumbnail = (variant: VariantRecord) => variant.recipe === THUMBNAIL_RECIPE;

/** Equal fits make equal files: two platforms needing the same JPEG share one. */
function fitRecipe(fit: ImageFit): string {
  const crop = fit.crop ? ` crop ${fit.crop.left},${fit.crop.top},${fit.crop.width}x${fit.crop.height}` : "";
  return `${fit.contentType} ${fit.width}x${fit.height}${crop}`;
}

/**
 * The original's variant made by this recipe: the stored one, or made now and stored. Two
 * workers making the same one at once both succeed; the first stored is kept, the other's file
 * removed.
 */
async function ensureVariant(
  context: AppContext,
  record: MediaRecord,
  recipe: string,
  make: () => Promise<EncodedImage & { crop?: VariantCrop }>,
): Promise<VariantRecord> {
  const stored = await storedVariant(context, record.id, recipe);
  if (stored) return stored;
  const made = await make();
  const id = randomUUID();
  const file = mediaPath(context, { organizationId: record.organizationId, id });
  await writeFile(file, made.bytes);
  const [inserted] = await context.db
    .insert(mediaVariants)
    .values({
      id,
      organizationId: record.organizationId,
      mediaId: record.id,
      recipe,
      contentType: "image/jpeg",
      sizeBytes: made.bytes.length,
      width: made.width,
      height: made.height,
      crop: made.crop ?? null,
      publicToken: randomBytes(24).toString("base64url"),
    })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  await rm(file, { force: true });
  return (await storedVariant(context, record.id, recipe))!;
}

async function storedVariant(context: AppContext, mediaId: string, recipe: string) {
  const [variant] = await context.db
    .select()
    .from(mediaVariants)
    .where(and(eq(mediaVariants.mediaId, mediaId), eq(mediaVariants.recipe, recipe)));
  return variant;
}

/** The library's thumbnail of an image. */
export function thumbnailOf(context: AppContext, record: MediaRecord): Promise<VariantRecord> {
  return ensureVariant(context, record, THUMBNAIL_RECIPE, () => thumbnailImage(mediaPath(context, record), record));
}

export function variantPath(context: AppContext, variant: VariantRecord): string {
  return mediaPath(context, variant);
}

/** The JPEG's name: the original's, with the extension it now has. */
const variantFileName = (record: MediaRecord) => `${record.fileName.replace(/\.[^.]*$/, "")}.jpg`;

/** Where platforms fetch a variant: as the original, at the variant's own token. */
export function variantUrl(context: AppContext, record: MediaRecord, variant: VariantRecord): string {
  return publicMediaUrl(context, { publicToken: variant.publicToken, fileName: variantFileName(record) });
}

/**
 * What a platform with these limits is sent for each record: the original where it takes it,
 * the converted variant otherwise (made on first need, then reused).
 */
export async function outgoingMediaFor(
  context: AppContext,
  records: MediaRecord[],
  limits: ContentLimits,
): Promise<Map<string, OutgoingMedia>> {
  const outgoing = new Map<string, OutgoingMedia>();
  for (const record of records) {
    const fit = imageFitFor(limits, record);
    if (!fit) {
      outgoing.set(record.id, outgoingMedia(context, record));
      continue;
    }
    let variant: VariantRecord;
    try {
      variant = await ensureVariant(context, record, fitRecipe(fit), async () => ({
        ...(await convertImage(mediaPath(context, record), record, fit, limits.maxImageBytes)),
        crop: fit.crop,
      }));
    } catch (error) {
      if (!(error instanceof UndecodableImage)) throw error;
      // What cannot be converted goes as uploaded: the platform's refusal then says why, as for any file it refuses.
      outgoing.set(record.id, outgoingMedia(context, record));
      continue;
    }
    outgoing.set(record.id, {
      url: variantUrl(context, record, variant),
      contentType: variant.contentType,
      sizeBytes: variant.sizeBytes,
      fileName: variantFileName(record),
      read: () => readFile(variantPath(context, variant)),
    });
  }
  return outgoing;
}

/** Every variant of these originals, by original, for the library's view. */
export async function variantsOf(context: AppContext, mediaIds: string[]): Promise<Map<string, VariantRecord[]>> {
  const rows = mediaIds.length
    ? await context.db.select().from(mediaVariants).where(inArray(mediaVariants.mediaId, mediaIds))
    : [];
  const byMedia = new Map<string, VariantRecord[]>();
  for (const row of rows) byMedia.set(row.mediaId, [...(byMedia.get(row.mediaId) ?? []), row]);
  return byMedia;
}

/** Removes the files of an original and its variants (their rows go with the original's). */
export async function removeMediaFiles(context: AppContext, record: MediaRecord, variants: VariantRecord[]) {
  await Promise.all([record, ...variants].map((file) => rm(mediaPath(context, file), { force: true })));
}
