import { z } from "zod";
import type { Api } from "./http.js";
import {
  PlatformError,
  type OutgoingMedia,
  type OutgoingPost,
  type PlatformFailure,
  type PublishResult,
  type StoredAccount,
} from "./platform.js";
import type { PlatformOptions } from "./profiles.js";
import { DAY_MS, readCreator, rejected, request, type CreatorInfo } from "./tiktok.api.js";
import { tiktokProfile } from "./tiktok.profile.js";

type TikTokPost = OutgoingPost<PlatformOptions<"tiktok">>;

/**
 * TikTok's Content Posting API, Direct Post: creator info, the init (a video pulled from its URL
 * or uploaded in chunks, or a photo post pulled from the media URLs), then the post's status
 * until TikTok is done. https://developers.tiktok.com/doc/content-posting-api-get-started
 */

/** https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (and …-photo-post, without upload_url) */
const initAnswer = z.object({ publish_id: z.string(), upload_url: z.string().optional() });

/**
 * `publicaly_available_post_id` (TikTok's spelling) is typed list<int64>: a number past 2⁵³ loses
 * digits in JSON.parse, so a string is taken as it is and a number only when it is exact.
 * https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
 */
const postStatus = z.object({
  status: z.string(),
  fail_reason: z.string().optional(),
  publicaly_available_post_id: z.array(z.union([z.string(), z.number()])).default([]),
});
type PostStatus = z.infer<typeof postStatus>;

/** https://developers.tiktok.com/doc/tiktok-api-v2-video-list */
const videoList = z.object({ videos: z.array(z.object({ id: z.string() })).default([]) });

/**
 * The privacy the user chose. TikTok's guidelines forbid a default, so no choice is refused,
 * never guessed; and the choice must be among the levels creator info offers now (a private
 * account offers followers, not everyone).
 * https://developers.tiktok.com/doc/content-sharing-guidelines
 */
function privacyLevelOf(post: TikTokPost, creator: CreatorInfo): string {
  const level = post.options.privacy;
  if (!level)
    throw new PlatformError(tiktokProfile.id, rejected("Choose who can see this TikTok post.", "privacy"), {
      message: "no TikTok privacy level chosen",
    });
  if (!creator.privacy_level_options.includes(level))
    throw new PlatformError(
      tiktokProfile.id,
      rejected(
        `@${creator.creator_username} cannot post to ${level} on TikTok now: choose another privacy.`,
        "privacy",
      ),
      { message: `${level} is not among ${creator.privacy_level_options.join(", ")}` },
    );
  return level;
}

/** Chunks of 10,000,000 bytes (TikTok's own example, within 5–64 MB however "MB" is read), the last one taking the rest. */
const CHUNK_BYTES = 10_000_000;

function chunkPlan(size: number): { chunkSize: number; count: number } {
  const count = Math.max(1, Math.floor(size / CHUNK_BYTES));
  return { chunkSize: count === 1 ? size : CHUNK_BYTES, count };
}

/** The first byte TikTok does not have yet, from an answer's `Content-Range: bytes 0-{last}/{total}`. */
function uploadedBytes(headers: Headers): number {
  const match = /bytes 0-(\d+)\//.exec(headers.get("content-range") ?? "");
  return match ? Number(match[1]) + 1 : 0;
}

/**
 * The file to the upload URL in order. A chunk whose answer is lost is sent again: if it had
 * arrived, TikTok answers 416 with how far it got, and the upload goes on from there. Until the
 * last chunk is in, no post can exist, so a failure is safe to retry from a new init; a failure
 * of the last one may have started the post.
 * https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide#file_upload
 */
async function upload(api: Api, uploadUrl: URL, bytes: Buffer, contentType: string) {
  const { chunkSize, count } = chunkPlan(bytes.length);
  let offset = 0;
  for (let resends = 0; offset < bytes.length;) {
    const last = Math.floor(offset / chunkSize) >= count - 1;
    const end = last ? bytes.length : offset + chunkSize;
    try {
      const answer = await api.call(z.unknown(), {
        method: "PUT",
        host: "api",
        path: "upload_url",
        absoluteUrl: uploadUrl,
        bearer: false,
        headers: { "content-range": `bytes ${offset}-${end - 1}/${bytes.length}` },
        bytes: { data: bytes.subarray(offset, end), contentType },
        alsoOk: [416],
      });
      offset = answer.status === 416 ? uploadedBytes(answer.headers) : end;
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      const lost = error.failure.kind === "transient" || error.failure.kind === "ambiguous";
      if (lost && resends < 3) {
        resends += 1;
        continue;
      }
      const refused = error.status !== undefined && error.status < 500;
      throw new PlatformError(tiktokProfile.id, last && !refused ? { kind: "ambiguous" } : { kind: "transient" }, {
        message: `upload of bytes ${offset}-${end - 1} failed: ${error.message}`,
        status: error.status,
        cause: error,
      });
    }
  }
}

/**
 * A video: pulled from its URL when TikTok may (its guidelines want media already on a server
 * pulled, which works once the operator has verified the media host with TikTok: TikTok's
 * refusal says it has not), else uploaded in chunks.
 */
async function startVideo(api: Api, media: OutgoingMedia, postInfo: Record<string, unknown>): Promise<string> {
  const init = (sourceInfo: Record<string, unknown>) =>
    request(api, initAnswer, {
      method: "POST",
      host: "api",
      path: "/v2/post/publish/video/init/",
      json: { post_info: postInfo, source_info: sourceInfo },
    });
  try {
    return (await init({ source: "PULL_FROM_URL", video_url: media.url })).publish_id;
  } catch (error) {
    if (!(error instanceof PlatformError) || error.platformCode !== "url_ownership_unverified") throw error;
  }
  const bytes = await media.read();
  const { chunkSize, count } = chunkPlan(bytes.length);
  const started = await init({
    source: "FILE_UPLOAD",
    video_size: bytes.length,
    chunk_size: chunkSize,
    total_chunk_count: count,
  });
  if (!started.upload_url)
    throw new PlatformError(
      tiktokProfile.id,
      { kind: "transient" },
      { message: "video init answered without an upload_url" },
    );
  await upload(api, new URL(started.upload_url), bytes, media.contentType);
  return started.publish_id;
}

/** What a failed post's `fail_reason` means. https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status */
function failedPost(now: number, reason = "unknown"): PlatformFailure {
  switch (reason) {
    case "file_format_check_failed":
      return rejected("TikTok cannot read this file's format: use MP4 or WebM video, or JPEG or WebP photos.");
    case "duration_check_failed":
      return rejected("The video is longer than TikTok lets this account post.");
    case "frame_rate_check_failed":
      return rejected("TikTok takes videos of 23 to 60 frames per second.");
    case "picture_size_check_failed":
      return rejected("TikTok takes pictures of 360 to 4,096 pixels a side (photos at most 1080p and 20 MB).");
    case "internal":
    case "video_pull_failed":
    case "photo_pull_failed":
      return { kind: "transient" };
    case "auth_removed":
      return { kind: "token_invalid", reason: "The TikTok account removed this app's access: reconnect it." };
    case "spam_risk_too_many_posts":
      return { kind: "rate_limited", retryAt: new Date(now + DAY_MS), scope: "account" };
    default:
      return rejected(`TikTok did not publish the post (${reason}).`);
  }
}

/** TikTok processes in about half a minute per 512 MB; moderation of a public post usually within a minute. */
const POLL_MS = 5_000;
const MAX_POLLS = 120;
const MODERATION_POLLS = 12;

/**
 * The post's status until TikTok is done. The post may exist from the init on, so from here no
 * failure may lead to a second init: a status that cannot be read is `ambiguous`.
 * A public post's id comes only after moderation, which is waited for a little.
 */
async function finished(api: Api, publishId: string, awaitsModeration: boolean): Promise<PostStatus> {
  let unreadable = 0;
  let completedAt: number | undefined;
  for (let poll = 0; poll < MAX_POLLS; poll += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    let status: PostStatus;
    try {
      status = await request(api, postStatus, {
        method: "POST",
        host: "api",
        path: "/v2/post/publish/status/fetch/",
        json: { publish_id: publishId },
      });
      unreadable = 0;
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      if ((unreadable += 1) <= 3) continue;
      throw new PlatformError(
        tiktokProfile.id,
        { kind: "ambiguous" },
        { message: `status of ${publishId} unreadable`, cause: error },
      );
    }
    if (status.status === "FAILED")
      throw new PlatformError(tiktokProfile.id, failedPost(api.clock.now(), status.fail_reason), {
        message: `${publishId} failed: ${status.fail_reason}`,
        platformCode: status.fail_reason,
      });
    if (status.status !== "PUBLISH_COMPLETE") continue;
    completedAt ??= poll;
    if (status.publicaly_available_post_id.length > 0 || !awaitsModeration || poll - completedAt >= MODERATION_POLLS)
      return status;
  }
  throw new PlatformError(tiktokProfile.id, { kind: "ambiguous" }, { message: `${publishId} still processing` });
}

/**
 * The post id without lost digits: a number past 2⁵³ was rounded by JSON.parse, and the video
 * list (ids as strings) has the one id that rounds to it. Undefined when it cannot be told; the
 * post is published all the same.
 */
async function exactPostId(api: Api, id: string | number): Promise<string | undefined> {
  if (typeof id === "string") return id;
  if (Number.isSafeInteger(id)) return String(id);
  try {
    const { videos } = await request(api, videoList, {
      method: "POST",
      host: "api",
      path: "/v2/video/list/",
      query: { fields: "id" },
      json: { max_count: 20 },
    });
    return videos.find((video) => Number(video.id) === id)?.id;
  } catch (error) {
    if (error instanceof PlatformError) return undefined;
    throw error;
  }
}

/**
 * Creator info first (required before every post: the privacy offered now, interactions the
 * creator disabled), then a video or a photo post, then its status until TikTok is done.
 * Comments, duets and stitches stay off unless the user turned them on, and off whatever the
 * user chose where the creator disabled them.
 */
export async function publishTikTok(api: Api, account: StoredAccount, post: TikTokPost): Promise<PublishResult> {
  const creator = await readCreator(api);
  const privacyLevel = privacyLevelOf(post, creator);
  const { options } = post;
  const video = post.media.find((media) => media.contentType.startsWith("video/"));
  const disableComment = !options.allowComments || creator.comment_disabled;
  const commercial = {
    brand_content_toggle: options.brandedContent ?? false,
    brand_organic_toggle: options.yourBrand ?? false,
  };
  const publishId = video
    ? await startVideo(api, video, {
        title: post.text,
        privacy_level: privacyLevel,
        disable_comment: disableComment,
        disable_duet: !options.allowDuet || creator.duet_disabled,
        disable_stitch: !options.allowStitch || creator.stitch_disabled,
        is_aigc: options.aiGenerated ?? false,
        ...commercial,
      })
    : (
        await request(api, initAnswer, {
          method: "POST",
          host: "api",
          path: "/v2/post/publish/content/init/",
          json: {
            media_type: "PHOTO",
            // The reference table writes "DIRECT POST"; its examples, and TikTok, take DIRECT_POST.
            post_mode: "DIRECT_POST",
            post_info: {
              title: "",
              description: post.text,
              privacy_level: privacyLevel,
              disable_comment: disableComment,
              auto_add_music: false,
              ...commercial,
            },
            // Photos are only ever pulled from their URLs.
            source_info: {
              source: "PULL_FROM_URL",
              photo_images: post.media.map((media) => media.url),
              photo_cover_index: 0,
            },
          },
        })
      ).publish_id;
  const status = await finished(api, publishId, privacyLevel === "PUBLIC_TO_EVERYONE");
  const [publicId] = status.publicaly_available_post_id;
  const postId = publicId === undefined ? undefined : await exactPostId(api, publicId);
  const username = creator.creator_username || account.details.username;
  // A post that is not public has no id or address of its own: the publish_id is its
  // reference, and the profile is where its owner finds it.
  if (!postId) return { remoteId: publishId, url: api.url("web", `/@${username}`).toString() };
  return { remoteId: postId, url: api.url("web", `/@${username}/${video ? "video" : "photo"}/${postId}`).toString() };
}
