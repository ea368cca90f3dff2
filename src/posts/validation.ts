import { BlockList, isIP } from "node:net";
import type { PlatformId } from "../config.js";
import { platforms } from "../platforms/index.js";
import type { ContentLimits } from "../platforms/limits.js";
import { weightedLength } from "../platforms/text-length.js";
import type { MediaRecord } from "./media.js";

export interface PostOptions {
  threadParts?: string[];
  /** Media ids of each thread part, aligned with threadParts. */
  threadMedia?: string[][];
  instagramFormat?: "post" | "reel" | "story";
  youtube?: { title?: string; privacy?: "public" | "unlisted" | "private"; short?: boolean };
}

export interface Problem {
  field: string;
  message: string;
}

const INSTAGRAM_HASHTAGS = 30;
const YOUTUBE_TITLE = 100;
const YOUTUBE_SHORT_SECONDS = 180;

/**
 * Addresses off the public internet: "this network", private, shared (CGNAT), loopback,
 * link-local, protocol assignments, benchmarking, multicast and reserved; IPv6 unspecified,
 * loopback, IPv4-mapped, NAT64, unique-local, link-local and multicast.
 */
const internalAddresses = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  internalAddresses.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 127],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internalAddresses.addSubnet(network, prefix, "ipv6");

/** Names that only resolve inside a network (RFC 6761, RFC 6762, RFC 8375, and common practice). */
const internalNameSuffixes = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa"];

/**
 * What is wrong with a post's link, if anything: only http(s); in production only public hosts,
 * since a post is published for everyone and an internal address there is a leak or a mistake.
 * The check reads the address as written (the app never fetches the link; platforms do).
 */
export function linkProblem(link: string, options: { publicHostsOnly: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return "must be a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// address";
  if (url.username || url.password) return "must not carry a user name or password";
  if (!options.publicHostsOnly) return undefined;
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  const version = isIP(host);
  const internal = version
    ? internalAddresses.check(host, version === 6 ? "ipv6" : "ipv4")
    : !host.includes(".") || internalNameSuffixes.some((suffix) => host.endsWith(suffix));
  return internal ? "must be an address on the public internet" : undefined;
}

function textLength(limits: ContentLimits, text: string): number {
  return limits.weightedText ? weightedLength(text) : [...text].length;
}

/** Counts, types, shapes and sizes of one post's (or one thread part's) media for a platform. */
function mediaProblems(name: string, limits: ContentLimits, media: MediaRecord[], field: string): Problem[] {
  const problems: Problem[] = [];
  const images = media.filter((item) => item.contentType.startsWith("image/"));
  const videos = media.filter((item) => item.contentType.startsWith("video/"));
  if (images.length > limits.maxImages)
    problems.push({ field, message: `${name} takes at most ${limits.maxImages} images.` });
  if (videos.length > limits.maxVideos)
    problems.push({
      field,
      message: `${name} takes at most ${limits.maxVideos} video${limits.maxVideos === 1 ? "" : "s"}.`,
    });
  if (!limits.mixedMedia && images.length > 0 && videos.length > 0)
    problems.push({ field, message: `${name} cannot mix images and videos in one post.` });
  for (const item of media) {
    const video = item.contentType.startsWith("video/");
    const types = video ? limits.videoTypes : limits.imageTypes;
    if (!types.includes(item.contentType)) {
      problems.push({
        field,
        message: `${name} does not take ${item.contentType} (${item.fileName}); it takes ${types.join(", ") || "no such files"}.`,
      });
    } else if (
      !video &&
      limits.imageAspect &&
      item.width &&
      item.height &&
      (item.width / item.height < limits.imageAspect.min || item.width / item.height > limits.imageAspect.max)
    ) {
      problems.push({
        field,
        message: `${item.fileName} is ${item.width}×${item.height}; ${name} takes images from ${limits.imageAspect.min}:1 to ${limits.imageAspect.max}:1 (width to height).`,
      });
    } else if (
      video &&
      limits.videoSeconds &&
      item.durationSeconds &&
      (item.durationSeconds < limits.videoSeconds.min || item.durationSeconds > limits.videoSeconds.max)
    ) {
      problems.push({
        field,
        message: `${item.fileName} lasts ${Math.round(item.durationSeconds)} s; ${name} takes videos of ${limits.videoSeconds.min} to ${limits.videoSeconds.max} s.`,
      });
    } else if (item.sizeBytes > (video ? limits.maxVideoBytes : limits.maxImageBytes)) {
      problems.push({
        field,
        message: `${item.fileName} is over ${name}'s ${Math.round((video ? limits.maxVideoBytes : limits.maxImageBytes) / 1024 / 1024)} MB limit.`,
      });
    }
  }
  return problems;
}

/**
 * Every rule the chosen platforms enforce, checked before anything is queued; the composer
 * shows the same limits (GET /api/posts/limits).
 */
export function validatePost(options: {
  threadMedia?: MediaRecord[][];
  content: string;
  link?: string;
  media: MediaRecord[];
  platforms: PlatformId[];
  postOptions: PostOptions;
}): Problem[] {
  const problems: Problem[] = [];
  const { content, media, postOptions } = options;
  const images = media.filter((item) => item.contentType.startsWith("image/"));
  const videos = media.filter((item) => item.contentType.startsWith("video/"));
  for (const platform of new Set(options.platforms)) {
    const definition = platforms[platform];
    const limits = definition.publishing?.limits;
    if (!limits) continue;
    const name = definition.name;
    const text =
      platform === "x" && options.link && !content.includes(options.link) ? `${content} ${options.link}` : content;
    const length = textLength(limits, text);
    if (length > limits.textLength) {
      problems.push({
        field: "content",
        message: `${name} takes at most ${limits.textLength}${limits.weightedText ? " weighted" : ""} characters; this is ${length}.`,
      });
    }
    if (!content.trim() && media.length === 0 && !options.link)
      problems.push({ field: "content", message: `${name}: write something or attach media.` });
    if (limits.mediaRequired && media.length === 0)
      problems.push({ field: "mediaIds", message: `${name} needs an image or a video.` });
    problems.push(...mediaProblems(name, limits, media, "mediaIds"));
    if (platform === "x") {
      for (const [index, partMedia] of (options.threadMedia ?? []).entries()) {
        problems.push(...mediaProblems(name, limits, partMedia, `options.threadMedia.${index}`));
      }
      for (const [index, part] of (postOptions.threadParts ?? []).entries()) {
        if (!part.trim())
          problems.push({ field: `options.threadParts.${index}`, message: "A thread part cannot be empty." });
        else if (weightedLength(part) > limits.textLength) {
          problems.push({
            field: `options.threadParts.${index}`,
            message: `Thread part ${index + 2} is ${weightedLength(part)} weighted characters; X takes ${limits.textLength}.`,
          });
        }
      }
    }
    if (platform === "instagram") {
      if ((content.match(/#[\p{L}\p{N}_]+/gu) ?? []).length > INSTAGRAM_HASHTAGS)
        problems.push({ field: "content", message: `Instagram takes at most ${INSTAGRAM_HASHTAGS} hashtags.` });
      if (postOptions.instagramFormat === "story" && media.length !== 1)
        problems.push({ field: "mediaIds", message: "An Instagram story is one image or one video." });
      if (postOptions.instagramFormat === "reel" && (videos.length !== 1 || images.length > 0))
        problems.push({ field: "mediaIds", message: "An Instagram reel is one video." });
    }
    if (platform === "youtube") {
      const title = postOptions.youtube?.title ?? content.split("\n")[0] ?? "";
      if (!title.trim()) problems.push({ field: "options.youtube.title", message: "YouTube needs a title." });
      if (title.length > YOUTUBE_TITLE)
        problems.push({
          field: "options.youtube.title",
          message: `YouTube titles are at most ${YOUTUBE_TITLE} characters; this is ${title.length}.`,
        });
      if (/[<>]/.test(title))
        problems.push({ field: "options.youtube.title", message: "YouTube titles cannot contain < or >." });
      const longest = Math.max(0, ...videos.map((item) => item.durationSeconds ?? 0));
      if (postOptions.youtube?.short && longest > YOUTUBE_SHORT_SECONDS) {
        problems.push({
          field: "options.youtube.short",
          message: `A YouTube Short lasts at most ${YOUTUBE_SHORT_SECONDS / 60} minutes; this video is ${Math.round(longest)} s.`,
        });
      }
    }
    if (platform === "telegram" && media.length > 0 && [...content].length > 1_024) {
      problems.push({ field: "content", message: "Telegram captions on media are at most 1,024 characters." });
    }
  }
  return problems;
}
