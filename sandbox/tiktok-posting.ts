import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { isLoopback } from "../src/platforms/http.js";
import type { SandboxContext } from "./context.js";
import { fetchMedia } from "./media.js";
import type { SandboxTikTokCreator } from "./seed.js";
import { sendWithInt64, tiktokEnvelope, type Authenticate, type TikTokCaller } from "./tiktok-envelope.js";

/**
 * TikTok's Content Posting API, Direct Post: creator info, video init (a file uploaded in
 * chunks, or pulled from a URL), photo init (pulled from URLs), the upload URL, and the status
 * fetch, with processing that takes `videoProcessingSeconds` and moderation as long again
 * before a public post's id is given out. Unaudited apps post only privately, to private accounts.
 * https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
 * https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */

const videoTypes = ["video/mp4", "video/quicktime", "video/webm"];
const photoTypes = ["image/jpeg", "image/webp"];
// TikTok does not say whether "MB" is 10⁶ or 2²⁰ bytes: each bound takes the stricter reading.
const MIN_CHUNK_BYTES = 5 * 1024 * 1024;
const MAX_CHUNK_BYTES = 64_000_000;
const MAX_LAST_CHUNK_BYTES = 128_000_000;
const MAX_CHUNKS = 1_000;
const MAX_VIDEO_BYTES = 4_000_000_000;
const MAX_PHOTO_BYTES = 20_000_000;
const UPLOAD_URL_MS = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;

// https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
const videoInit = z.object({
  post_info: z.object({
    privacy_level: z.string().optional(),
    title: z.string().max(2_200).default(""),
    disable_duet: z.boolean().optional(),
    disable_stitch: z.boolean().optional(),
    disable_comment: z.boolean().optional(),
    video_cover_timestamp_ms: z.number().int().nonnegative().optional(),
    brand_content_toggle: z.boolean(),
    brand_organic_toggle: z.boolean().optional(),
    is_aigc: z.boolean().optional(),
  }),
  source_info: z.discriminatedUnion("source", [
    z.object({
      source: z.literal("FILE_UPLOAD"),
      video_size: z.number().int().positive(),
      chunk_size: z.number().int().positive(),
      total_chunk_count: z.number().int().positive(),
    }),
    z.object({ source: z.literal("PULL_FROM_URL"), video_url: z.string().min(1) }),
  ]),
});

// https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
const photoInit = z.object({
  media_type: z.literal("PHOTO"),
  post_mode: z.literal("DIRECT_POST", { message: "the sandbox emulates post_mode DIRECT_POST only" }),
  post_info: z.object({
    title: z.string().max(90).default(""),
    description: z.string().max(4_000).default(""),
    privacy_level: z.string().optional(),
    disable_comment: z.boolean().optional(),
    auto_add_music: z.boolean().optional(),
    brand_content_toggle: z.boolean(),
    brand_organic_toggle: z.boolean(),
  }),
  source_info: z.object({
    source: z.literal("PULL_FROM_URL"),
    photo_images: z.array(z.string().min(1)).min(1).max(35),
    photo_cover_index: z.number().int().nonnegative(),
  }),
  is_aigc: z.boolean().optional(),
});

interface Upload {
  id: string;
  token: string;
  expiresAt: number;
  videoSize: number;
  chunkSize: number;
  chunkCount: number;
  received: number;
}

/** A publish_id's work: what was asked, how far the media came, and the post it became. */
interface PublishTask {
  publishId: string;
  openId: string;
  username: string;
  kind: "video" | "photo";
  source: "FILE_UPLOAD" | "PULL_FROM_URL";
  privacyLevel: string;
  title: string;
  description: string;
  upload?: Upload;
  bytes: number;
  /** When TikTok had all the media (the last chunk, or the pull); processing starts then. */
  receivedAt?: number;
  failReason?: string;
  postId?: string;
  moderatedAt?: number;
}

/** A public account offers everyone, a private one its followers. https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info */
const privacyOptions = (creator: SandboxTikTokCreator) =>
  creator.privateAccount
    ? ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
    : ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];

/** The media transfer guide's chunk rules, or what breaks them. */
function chunkPlanProblem(size: number, chunkSize: number, count: number): string | undefined {
  if (size > MAX_VIDEO_BYTES) return "video_size is over 4 GB.";
  if (count !== Math.floor(size / chunkSize))
    return "total_chunk_count must be video_size divided by chunk_size, rounded down.";
  if (count > MAX_CHUNKS) return "A video is uploaded in at most 1000 chunks.";
  if (size < MIN_CHUNK_BYTES && chunkSize !== size)
    return "A video under 5 MB is uploaded whole: chunk_size must equal video_size.";
  if (size > MAX_CHUNK_BYTES && count < 2) return "A video over 64 MB must be uploaded in several chunks.";
  if (chunkSize !== size && (chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES))
    return "chunk_size must be 5 MB to 64 MB.";
  if (size - (count - 1) * chunkSize > MAX_LAST_CHUNK_BYTES) return "The last chunk may be at most 128 MB.";
  return undefined;
}

/** Whether a file's first bytes are those of its type (an ISO media box, or WebM's EBML header). */
function looksLike(contentType: string, head: Buffer): boolean {
  if (contentType === "video/webm") return head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
  const box = head.subarray(4, 8).toString("latin1");
  return contentType === "video/quicktime" ? ["ftyp", "wide", "moov", "mdat", "free"].includes(box) : box === "ftyp";
}

export function registerContentPosting(app: FastifyInstance, context: SandboxContext, authenticate: Authenticate) {
  const { limits, lifetimes } = context.options;
  const { answer, invalidParams, rateLimited, tiktokError } = tiktokEnvelope(context.now);

  /** TikTok documents only the upload URL's statuses; its answers carry the envelope like the API's. */
  const uploadError = (status: number, message: string, headers: Record<string, string> = {}) =>
    tiktokError(status, "invalid_file_upload", message, headers);

  /** The body, as TikTok's JSON endpoints take it, checked against a schema. */
  function parsed<T>(request: FastifyRequest, schema: z.ZodType<T>): T {
    if (!String(request.headers["content-type"] ?? "").startsWith("application/json"))
      throw invalidParams("Content-Type must be application/json; charset=UTF-8.");
    const result = schema.safeParse(request.body ?? {});
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    throw invalidParams(`${issue.path.join(".") || "body"}: ${issue.message}.`);
  }

  const processingMs = () => lifetimes.videoProcessingSeconds * 1000;

  const taskOf = (publishId: string) => context.state.object<PublishTask>("tiktok_publish", publishId);

  /** Each user access token has its own window per endpoint. */
  function perToken(caller: TikTokCaller, endpoint: string, limit: number) {
    if (!context.take(`tiktok:${endpoint}:${caller.token.token}`, limit, MINUTE).allowed) throw rateLimited();
  }

  const postsKey = (caller: TikTokCaller) => `tiktok:posts:${caller.creator.openId}`;

  // https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info
  app.post("/v2/post/publish/creator_info/query/", async (request) => {
    const caller = authenticate(request, ["video.publish"]);
    perToken(caller, "creator_info", limits.tiktokCreatorInfoPerMinute);
    // A creator who cannot post now is told here, before anything is uploaded.
    if (!context.peek(postsKey(caller), limits.tiktokPostsPerDayPerCreator, DAY).allowed)
      throw tiktokError(
        403,
        "spam_risk_too_many_posts",
        "The daily post cap from the API is reached for the current user.",
      );
    const { creator } = caller;
    return answer({
      creator_avatar_url: `https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/${creator.openId}~c5_168x168.jpeg?x-expires=${Math.floor(context.now() / 1000) + 7_200}`,
      creator_username: creator.username,
      creator_nickname: creator.nickname,
      privacy_level_options: privacyOptions(creator),
      comment_disabled: creator.commentDisabled,
      duet_disabled: creator.duetDisabled,
      stitch_disabled: creator.stitchDisabled,
      max_video_post_duration_sec: creator.maxVideoPostDurationSec,
    });
  });

  /**
   * What every Direct Post init checks after its parameters: the privacy level among the
   * creator's options, branded content never private, an unaudited app's limits, the daily caps.
   */
  function admit(caller: TikTokCaller, post: { privacyLevel: string | undefined; brandedContent: boolean }): string {
    const { creator, client } = caller;
    const level = post.privacyLevel;
    if (!level || !privacyOptions(creator).includes(level))
      throw tiktokError(
        403,
        "privacy_level_option_mismatch",
        "privacy_level is not specified or not among the privacy_level_options returned by /publish/creator_info/query/.",
      );
    if (post.brandedContent && level === "SELF_ONLY")
      throw invalidParams("Branded content visibility cannot be set to private.");
    if (!client.audited) {
      if (!creator.privateAccount || level !== "SELF_ONLY")
        throw tiktokError(
          403,
          "unaudited_client_can_only_post_to_private_accounts",
          "Unaudited clients can only post to a private account, with privacy_level SELF_ONLY.",
        );
      admitActiveCreator(caller);
    }
    if (!context.take(postsKey(caller), limits.tiktokPostsPerDayPerCreator, DAY).allowed)
      throw tiktokError(
        403,
        "spam_risk_too_many_posts",
        "The daily post cap from the API is reached for the current user.",
      );
    return level;
  }

  /** An unaudited app may have only a few creators posting in a day. */
  function admitActiveCreator(caller: TikTokCaller) {
    const key = caller.client.clientId;
    let active = context.state.object<{ since: number; openIds: string[] }>("tiktok_active_creators", key);
    if (!active || active.since + DAY <= context.now()) active = { since: context.now(), openIds: [] };
    if (!active.openIds.includes(caller.creator.openId)) {
      if (active.openIds.length >= limits.tiktokUnauditedCreatorsPerDay)
        throw tiktokError(
          403,
          "reached_active_user_cap",
          "The daily quota for active publishing users from your client is reached.",
        );
      active.openIds.push(caller.creator.openId);
    }
    context.state.putObject("tiktok_active_creators", key, active);
  }

  /** TikTok pulls only from URL properties verified for the app; in the sandbox those are loopback hosts. */
  function verifiedUrl(url: string) {
    const verified = URL.canParse(url) && isLoopback(new URL(url));
    if (!verified)
      throw tiktokError(
        403,
        "url_ownership_unverified",
        "To use PULL_FROM_URL, the developer must verify the ownership of the URL prefix or domain.",
      );
  }

  /** All the media is in: processing starts, and unless it will fail the post is made (public ones await moderation). */
  function received(task: PublishTask) {
    task.receivedAt = context.now();
    if (!task.failReason) {
      const id = context.state.nextId("tiktok:post", "7480000000000000000");
      task.postId = id;
      if (task.privacyLevel === "PUBLIC_TO_EVERYONE") task.moderatedAt = task.receivedAt + 2 * processingMs();
      context.state.publish({
        platform: "tiktok",
        accountId: task.openId,
        id,
        kind: task.kind,
        createdAt: task.receivedAt,
        url: `https://www.tiktok.com/@${task.username}/${task.kind}/${id}`,
        text: task.kind === "video" ? task.title : task.description || task.title,
        media: [{ type: task.kind === "video" ? "video" : "image", bytes: task.bytes }],
        extra: {
          publishId: task.publishId,
          privacyLevel: task.privacyLevel,
          title: task.title,
          description: task.description,
          moderatedAt: task.moderatedAt,
        },
      });
    }
    context.state.putObject("tiktok_publish", task.publishId, task);
  }

  // https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
  app.post("/v2/post/publish/video/init/", async (request) => {
    const caller = authenticate(request, ["video.publish"]);
    perToken(caller, "video_init", limits.tiktokInitsPerMinute);
    const { post_info: info, source_info: source } = parsed(request, videoInit);
    if (source.source === "FILE_UPLOAD") {
      const problem = chunkPlanProblem(source.video_size, source.chunk_size, source.total_chunk_count);
      if (problem) throw invalidParams(problem);
    } else verifiedUrl(source.video_url);
    const privacyLevel = admit(caller, { privacyLevel: info.privacy_level, brandedContent: info.brand_content_toggle });
    const number = context.state.nextNumber("tiktok:publish");
    const task: PublishTask = {
      publishId: source.source === "FILE_UPLOAD" ? `v_pub_file~v2-1.${number}` : `v_pub_url~v2.${number}`,
      openId: caller.creator.openId,
      username: caller.creator.username,
      kind: "video",
      source: source.source,
      privacyLevel,
      title: info.title,
      description: "",
      bytes: 0,
    };
    if (source.source === "PULL_FROM_URL") {
      const media = await fetchMedia(source.video_url);
      task.bytes = media?.bytes ?? 0;
      task.failReason = !media
        ? "video_pull_failed"
        : !videoTypes.includes(media.contentType)
          ? "file_format_check_failed"
          : undefined;
      received(task);
      return answer({ publish_id: task.publishId });
    }
    const upload: Upload = {
      id: context.state.nextId("tiktok:upload", "7000000000"),
      token: context.state.secret("", 12),
      expiresAt: context.now() + UPLOAD_URL_MS,
      videoSize: source.video_size,
      chunkSize: source.chunk_size,
      chunkCount: source.total_chunk_count,
      received: 0,
    };
    task.upload = upload;
    context.state.putObject("tiktok_publish", task.publishId, task);
    context.state.putObject("tiktok_upload", upload.id, { publishId: task.publishId });
    const uploadUrl = new URL(`${request.protocol}://${request.host}${app.prefix}/video/`);
    uploadUrl.searchParams.set("upload_id", upload.id);
    uploadUrl.searchParams.set("upload_token", upload.token);
    return answer({ publish_id: task.publishId, upload_url: uploadUrl.toString() });
  });

  /** `Content-Range: bytes 0-{last uploaded byte}/{total}` on every answer of the upload URL. */
  const progress = (upload: Upload) =>
    upload.received > 0 ? `bytes 0-${upload.received - 1}/${upload.videoSize}` : `bytes */${upload.videoSize}`;

  // The upload URL takes the chunks in order, without the access token. https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#file_upload
  app.put("/video/", async (request, reply) => {
    const query = request.query as { upload_id?: string; upload_token?: string };
    const ref = query.upload_id
      ? context.state.object<{ publishId: string }>("tiktok_upload", query.upload_id)
      : undefined;
    const task = ref ? taskOf(ref.publishId) : undefined;
    const upload = task?.upload;
    if (!task || !upload || upload.token !== query.upload_token)
      throw uploadError(404, "TikTok cannot find a valid upload task given the upload_url.");
    if (upload.expiresAt <= context.now()) throw uploadError(403, "The upload_url has expired.");
    const contentType = String(request.headers["content-type"] ?? "")
      .split(";")[0]!
      .trim();
    if (!videoTypes.includes(contentType))
      throw uploadError(400, "Content-Type must be video/mp4, video/quicktime or video/webm.");
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(request.headers["content-range"] ?? ""));
    const first = Number(range?.[1]);
    if (
      !range ||
      Number(range[3]) !== upload.videoSize ||
      Number(range[2]) - first + 1 !== body.length ||
      Number(request.headers["content-length"]) !== body.length
    )
      throw uploadError(400, "Content-Range and Content-Length must describe this chunk's bytes of the video.");
    if (first !== upload.received)
      throw uploadError(416, "Content-Range does not reflect the actual upload progress.", {
        "content-range": progress(upload),
      });
    const index = first / upload.chunkSize;
    const expected = index === upload.chunkCount - 1 ? upload.videoSize - first : upload.chunkSize;
    if (body.length !== expected)
      throw uploadError(400, `Chunk ${index + 1} of ${upload.chunkCount} must be ${expected} bytes.`);
    if (first === 0 && !looksLike(contentType, body)) task.failReason = "file_format_check_failed";
    upload.received += body.length;
    task.bytes = upload.received;
    reply.header("content-range", progress(upload));
    if (upload.received < upload.videoSize) {
      context.state.putObject("tiktok_publish", task.publishId, task);
      return reply.status(206).send();
    }
    received(task);
    return reply.status(201).send();
  });

  app.post("/v2/post/publish/content/init/", async (request) => {
    const caller = authenticate(request, ["video.publish"]);
    perToken(caller, "content_init", limits.tiktokInitsPerMinute);
    const { post_info: info, source_info: source } = parsed(request, photoInit);
    if (source.photo_cover_index >= source.photo_images.length)
      throw invalidParams("photo_cover_index must be the index of one of photo_images.");
    source.photo_images.forEach(verifiedUrl);
    const privacyLevel = admit(caller, { privacyLevel: info.privacy_level, brandedContent: info.brand_content_toggle });
    const photos = await Promise.all(source.photo_images.map((url) => fetchMedia(url)));
    const task: PublishTask = {
      publishId: `p_pub_url~v2.${context.state.nextNumber("tiktok:publish")}`,
      openId: caller.creator.openId,
      username: caller.creator.username,
      kind: "photo",
      source: "PULL_FROM_URL",
      privacyLevel,
      title: info.title,
      description: info.description,
      bytes: photos.reduce((sum, photo) => sum + (photo?.bytes ?? 0), 0),
      failReason: photos.some((photo) => !photo)
        ? "photo_pull_failed"
        : photos.some((photo) => !photoTypes.includes(photo!.contentType))
          ? "file_format_check_failed"
          : photos.some((photo) => photo!.bytes > MAX_PHOTO_BYTES)
            ? "picture_size_check_failed"
            : undefined,
    };
    received(task);
    return answer({ publish_id: task.publishId });
  });

  /** Where a task stands now: uploading, processing, failed, or complete (with the id once a public post is moderated). */
  function statusOf(task: PublishTask) {
    const transferred =
      task.source === "FILE_UPLOAD" ? { uploaded_bytes: task.bytes } : { downloaded_bytes: task.bytes };
    const processing = task.source === "FILE_UPLOAD" ? "PROCESSING_UPLOAD" : "PROCESSING_DOWNLOAD";
    if (task.receivedAt === undefined || context.now() < task.receivedAt + processingMs())
      return { status: processing, publicaly_available_post_id: [], ...transferred };
    if (task.failReason)
      return { status: "FAILED", fail_reason: task.failReason, publicaly_available_post_id: [], ...transferred };
    const moderated = task.moderatedAt !== undefined && task.moderatedAt <= context.now();
    return {
      status: "PUBLISH_COMPLETE",
      publicaly_available_post_id: moderated && task.postId ? [task.postId] : [],
      ...transferred,
    };
  }

  app.post("/v2/post/publish/status/fetch/", async (request, reply) => {
    const caller = authenticate(request, ["video.publish", "video.upload"]);
    perToken(caller, "status_fetch", limits.tiktokStatusFetchesPerMinute);
    const { publish_id: publishId } = parsed(request, z.object({ publish_id: z.string().min(1) }));
    const task = taskOf(publishId);
    if (!task) throw tiktokError(400, "invalid_publish_id", "The publish_id does not exist.");
    if (task.openId !== caller.creator.openId)
      throw tiktokError(
        400,
        "token_not_authorized_for_specified_publish_id",
        "The access_token does not have authorization to access the specified publish_id.",
      );
    const status = statusOf(task);
    return sendWithInt64(reply, answer(status), status.publicaly_available_post_id);
  });
}
