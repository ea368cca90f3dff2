import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, tenant } from "./identity.js";
import { media } from "./posts.js";

/** The part of the original a variant shows, in the original's pixels (a crop to a platform's aspect ratio). */
export interface VariantCrop {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A file made from an upload: its library thumbnail, or the version a platform is sent when it
 * refuses the original's format, size or shape. Made once, on first need, and kept with the
 * original (deleted with it); the original itself is never changed.
 */
export const mediaVariants = pgTable(
  "media_variants",
  {
    id: uuid("id").primaryKey(),
    organizationId: tenant(),
    mediaId: uuid("media_id")
      .notNull()
      .references(() => media.id, { onDelete: "cascade" }),
    /** What was made, as a recipe (`thumbnail`, `image/jpeg 1440w 0.8-1.91`): equal needs share one variant. */
    recipe: text("recipe").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    /** Null when the whole original is shown. */
    crop: jsonb("crop").$type<VariantCrop>(),
    /** The secret part of the public URL, as the original's: platforms fetch /media/{token}/{fileName}. */
    publicToken: text("public_token").notNull().unique(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("media_variants_recipe_unique").on(table.mediaId, table.recipe),
    index("media_variants_organization_idx").on(table.organizationId),
  ],
);
