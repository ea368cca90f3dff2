import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Multipart, MultipartFile } from "@fastify/multipart";
import { eq } from "drizzle-orm";
import type { FastifyPluginAsync } from "fastify";
import { media, mediaVariants } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { DomainError } from "../errors.js";
import type { OutgoingMedia } from "../platforms/platform.js";
import { probeFile, readSignature } from "./probe.js";

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

function mediaFolder(context: AppContext, organizationId: string): string {
  return path.resolve(context.config.dataDir, "media", organizationId);
}

/** Where an upload, or a variant made from one, is stored: by its id, in its organization's folder. */
export function mediaPath(context: AppContext, record: Pick<MediaRecord, "organizationId" | "id">): string {
  return path.join(mediaFolder(context, record.organizationId), record.id);
}

/** The unguessable URL platforms fetch a file from (those that pull media rather than take an upload). */
export function publicMediaUrl(context: AppContext, record: Pick<MediaRecord, "publicToken" | "fileName">): string {
  return new URL(`/media/${record.publicToken}/${encodeURIComponent(record.fileName)}`, context.publicUrl()).toString();
}

/** An upload form holds one part: the file, in this field. */
const UPLOAD_FIELD = "file";

/** Room for one part more than an upload takes, so that an extra part is refused by its name. */
export const uploadLimits = (maxBytes: number) => ({ fileSize: maxBytes, parts: 2 });

const malformedUpload = () =>
  new DomainError(
    "invalid_input",
    "malformed_upload",
    `The upload is not a complete multipart/form-data form: send one file in the field \`${UPLOAD_FIELD}\`.`,
    UPLOAD_FIELD,
  );

/**
 * The form's next part. The parser's own failures (no boundary, a form cut short) carry no
 * status, and are the sender's: a 400. Its limits and the plugin's errors keep theirs.
 */
async function nextPart(parts: AsyncIterator<Multipart>): Promise<Multipart | undefined> {
  try {
    const next = await parts.next();
    return next.done ? undefined : next.value;
  } catch (error) {
    throw typeof (error as { statusCode?: unknown }).statusCode === "number" ? error : malformedUpload();
  }
}

/** Both are ISO base media files; which brand a camera writes does not change what platforms accept. */
const isoBaseMedia = new Set(["video/mp4", "video/quicktime"]);
const sameKind = (declared: string, sniffed: string | undefined) =>
  declared === sniffed || (sniffed !== undefined && isoBaseMedia.has(declared) && isoBaseMedia.has(sniffed));

/**
 * Streams one file to disk under the organization's folder, which exists: nothing is awaited
 * between the parser handing over the part and the pipe, so a form cut short is seen as such.
 * The size limit stops it mid-stream.
 */
async function writeUpload(context: AppContext, organizationId: string, file: MultipartFile) {
  if (!acceptedTypes.includes(file.mimetype)) {
    throw new DomainError(
      "unsupported_type",
      "unsupported_media_type",
      `${file.mimetype} files cannot be posted: use JPEG, PNG, GIF, WebP, MP4, MOV or WebM.`,
      UPLOAD_FIELD,
    );
  }
  const id = randomUUID();
  const target = mediaPath(context, { organizationId, id });
  // The parser destroys a part whose form ends early, sometimes before it is handed over.
  if (file.file.destroyed) throw malformedUpload();
  let formBroken = false;
  file.file.once("error", () => (formBroken = true));
  file.file.once("close", () => (formBroken ||= !file.file.readableEnded));
  try {
    await pipeline(file.file, createWriteStream(target));
    if (file.file.truncated) {
      throw new DomainError(
        "too_large",
        "file_too_large",
        `The file is over ${Math.round(context.config.media.maxBytes / 1024 / 1024)} MB.`,
        UPLOAD_FIELD,
      );
    }
    const sniffed = await readSignature(target);
    if (!sameKind(file.mimetype, sniffed)) {
      throw new DomainError(
        "unsupported_type",
        "content_type_mismatch",
        `The file was sent as ${file.mimetype} but its content is ${sniffed ?? "not an image or video we know"}: upload the original file.`,
        UPLOAD_FIELD,
      );
    }
  } catch (error) {
    await rm(target, { force: true });
    throw formBroken ? malformedUpload() : error;
  }
  return { id, target, file };
}

/**
 * Reads an upload form (one file, in the field `file`; anything else is refused by name), checks
 * the file's own signature against its declared type, stores it and records it.
 */
export async function storeUpload(
  context: AppContext,
  options: { organizationId: string; userId: string; parts: AsyncIterator<Multipart> },
): Promise<MediaRecord> {
  await mkdir(mediaFolder(context, options.organizationId), { recursive: true });
  let stored: Awaited<ReturnType<typeof writeUpload>> | undefined;
  try {
    for (let part = await nextPart(options.parts); part; part = await nextPart(options.parts)) {
      if (part.type !== "file" || part.fieldname !== UPLOAD_FIELD) {
        throw new DomainError(
          "invalid_input",
          "unexpected_field",
          `An upload takes one file in the field \`${UPLOAD_FIELD}\` and nothing else: remove \`${part.fieldname}\`.`,
          part.fieldname,
        );
      }
      if (stored) throw new DomainError("invalid_input", "too_many_files", "Upload one file at a time.", UPLOAD_FIELD);
      stored = await writeUpload(context, options.organizationId, part);
    }
  } catch (error) {
    if (stored) await rm(stored.target, { force: true });
    throw error;
  }
  if (!stored) {
    throw new DomainError(
      "invalid_input",
      "no_file",
      `Send the file as multipart form data in the field \`${UPLOAD_FIELD}\`.`,
      UPLOAD_FIELD,
    );
  }
  const { id, target, file } = stored;
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
    const [original] = await context.db.select().from(media).where(eq(media.publicToken, token));
    // A converted variant is fetched the same way, at its own token.
    const [variant] = original
      ? []
      : await context.db.select().from(mediaVariants).where(eq(mediaVariants.publicToken, token));
    const record = original ?? variant;
    if (!record) return reply.callNotFound();
    return reply
      .header("content-type", record.contentType)
      .header("content-length", String(record.sizeBytes))
      .header("cache-control", "private, max-age=86400")
      .send(createReadStream(mediaPath(context, record)));
  });
};
