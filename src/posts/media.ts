import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { MultipartFile } from "@fastify/multipart";
import { eq } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import { media } from "../db/schema.js";
import type { AppContext } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { OutgoingMedia } from "../platforms/platform.js";
import { probeFile } from "./probe.js";

export type MediaRecord = typeof media.$inferSelect;

/** What can be attached to a post; each platform narrows it further (posts/validation.ts). */
export const acceptedTypes = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "video/mp4",
  "video/quicktime",
  "video/webm",
];

function mediaPath(context: AppContext, record: Pick<MediaRecord, "organizationId" | "id">): string {
  return path.resolve(context.config.dataDir, "media", record.organizationId, record.id);
}

/** The unguessable URL platforms fetch a file from (Instagram, Facebook, Telegram). */
export function publicMediaUrl(context: AppContext, record: Pick<MediaRecord, "publicToken" | "fileName">): string {
  return new URL(`/media/${record.publicToken}/${encodeURIComponent(record.fileName)}`, context.publicUrl()).toString();
}

/** Streams an upload to disk under the data folder; the size limit stops it mid-stream. */
export async function storeUpload(
  context: AppContext,
  options: { organizationId: string; userId: string; file: MultipartFile },
): Promise<MediaRecord> {
  const { file } = options;
  if (!acceptedTypes.includes(file.mimetype)) {
    file.file.resume();
    throw new AppError(
      415,
      "unsupported_media_type",
      `${file.mimetype} files cannot be posted: use JPEG, PNG, GIF, WebP, MP4, MOV or WebM.`,
      "file",
    );
  }
  const id = randomUUID();
  const target = mediaPath(context, { organizationId: options.organizationId, id });
  await mkdir(path.dirname(target), { recursive: true });
  await pipeline(file.file, createWriteStream(target));
  if (file.file.truncated) {
    await rm(target, { force: true });
    throw new AppError(
      413,
      "file_too_large",
      `The file is over ${Math.round(context.config.media.maxBytes / 1024 / 1024)} MB.`,
      "file",
    );
  }
  const { size } = await stat(target);
  const probe = await probeFile(target, file.mimetype);
  const fileName =
    path
      .basename(file.filename || "upload")
      .replace(/[^\w.-]+/g, "_")
      .slice(0, 120) || "upload";
  const [record] = await context.db
    .insert(media)
    .values({
      id,
      organizationId: options.organizationId,
      uploadedByUserId: options.userId,
      fileName,
      contentType: file.mimetype,
      sizeBytes: size,
      width: probe.width ?? null,
      height: probe.height ?? null,
      durationSeconds: probe.durationSeconds ?? null,
      publicToken: randomBytes(24).toString("base64url"),
    })
    .returning();
  return record!;
}

export function outgoingMedia(context: AppContext, record: MediaRecord): OutgoingMedia {
  return {
    url: publicMediaUrl(context, record),
    contentType: record.contentType,
    sizeBytes: record.sizeBytes,
    fileName: record.fileName,
    read: () => readFile(mediaPath(context, record)),
  };
}

/** GET /media/{token}/{name}: the file, for the platforms that fetch it. Outside /api: no session. */
export const mediaFiles: FastifyPluginAsync<AppContext> = async (app, context) => {
  app.get("/media/:token/:fileName", { schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const [record] = await context.db.select().from(media).where(eq(media.publicToken, token));
    if (!record) return reply.callNotFound();
    return reply
      .header("content-type", record.contentType)
      .header("content-length", String(record.sizeBytes))
      .header("cache-control", "private, max-age=86400")
      .send(createReadStream(mediaPath(context, record)));
  });
};
