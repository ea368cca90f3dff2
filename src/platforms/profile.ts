import type { z } from "zod";
import { imageFitFor } from "./image-fit.js";
import type { ContentLimits } from "./limits.js";
import { weightedLength } from "./text-length.js";

/**
 * What the product knows of a platform without calling it: how it connects, its environment
 * variables, its post options and content rules, and how the dashboard shows it. Pure data and
 * functions (no server imports), so the server and the dashboard's composer read the same rules.
 */

/** A file as the rules see it: what the upload's header told, when it told. */
export interface MediaFacts {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  width?: number | null;
  height?: number | null;
  durationSeconds?: number | null;
}

export interface Problem {
  field: string;
  message: string;
}

/** A post as one platform's rules see it: its own options, and the media the options refer to. */
export interface Draft<Options> {
  content: string;
  link?: string;
  media: MediaFacts[];
  options: Options;
  mediaOf(id: string): MediaFacts | undefined;
}

/** Deployment facts a rule may depend on: the platform's declared flags (TikTok's audit). */
export interface RuleSettings {
  flags: Record<string, boolean>;
}

/**
 * A platform's variables: `{prefix}_CLIENT_ID`, `_CLIENT_SECRET` (OAuth platforms), `_BASE_URL`,
 * and those declared here.
 */
export interface PlatformEnvironment {
  prefix: string;
  /** The client id variable's suffix where the platform names its client id otherwise (TikTok's client key); CLIENT_ID when absent. */
  clientIdSuffix?: string;
  /** `{prefix}_API_VERSION`, its default and the shape it must have. */
  apiVersion?: { default: string; pattern: RegExp; format: string };
  /** Another platform's prefix whose credentials, base URL and API version stand in for unset ones. */
  fallbackPrefix?: string;
  /** Yes/no settings as `{prefix}_{suffix}`, read by the platform's rules and its composer panel. */
  flags?: Record<string, { suffix: string; default: boolean; description: string }>;
}

/**
 * What one account allows right now, asked of the platform when the composer opens (TikTok's
 * creator info): the composer offers only these, and says who the post goes out as.
 */
export interface AccountAllowance {
  /** Who the post goes out as, in the platform's words. */
  postingAs?: string;
  /** For choice options: the values this account may use now, by option key. */
  choices?: Record<string, string[]>;
  /** Toggle options the account has switched off at the platform. */
  disabled?: string[];
  /** The longest video the account may post. */
  maxVideoSeconds?: number;
}

/** How the composer shows one of the platform's options. */
export type OptionField =
  | { kind: "text"; key: string; label: string; placeholder?: string }
  | {
      kind: "choice";
      key: string;
      label: string;
      choices: { value: string; label: string }[];
      /** No choice made for the user (TikTok's guidelines forbid a default privacy). */
      placeholder?: string;
      /** The choices this deployment may offer; all when absent. */
      offered?(settings: RuleSettings): string[];
      /** What the user must know about the choices here (an unaudited TikTok app posts privately). */
      notice?(settings: RuleSettings): string | undefined;
    }
  | { kind: "toggle"; key: string; label: string }
  /** Further posts, each with its own media, each replying to the one before (X's threads). */
  | { kind: "parts"; textKey: string; mediaKey: string; label: string };

export interface Presentation {
  /** A character or two standing for the logo. */
  glyph: string;
  color: string;
  blurb: string;
}

/**
 * How a post looks where the platform shows it, for the composer's previews. Where a figure is
 * not in the platform's documentation, the profile says so next to it.
 */
export interface PreviewLook<Options = unknown> {
  /**
   * feed: text, then the media or a link card; thread: one post per part, each with its media;
   * visual: the media first, a carousel with dots when several, the caption below; video: the
   * video with its title above the description; message: a chat message with a link preview.
   */
  layout: "feed" | "thread" | "visual" | "video" | "message";
  /** Where the platform cuts the text and what its "see more" says; absent where it shows it all. */
  fold?: { characters: number; label: string };
  /** Width ÷ height a single image is shown at, the rest cropped; its own shape when absent. */
  imageAspect?: { min: number; max: number };
  /** Width ÷ height of the frame the whole post fills, by its options (9:16 stories, reels, Shorts). */
  frame?(options: Options): number | undefined;
  /** Width ÷ height of a link card's image; no card when absent. */
  linkCardAspect?: number;
  /** The title and text as the platform shows them, where its options make them (a video's title). */
  shown?(content: string, options: Options): { title?: string; text: string };
}

export interface BotForm {
  instructions: string;
  token: { pattern: RegExp; example: string; message: string };
  chat: { pattern: RegExp; example: string; message: string };
  /** When the platform answers that it does not know the token. */
  unknownToken: string;
}

export type ConnectionMethod = "oauth" | "bot";

/**
 * One of several ways to connect a platform, each with its own app at the platform (LinkedIn
 * keeps member posting and company pages on separate apps, and refuses an authorization that
 * asks for a scope its app lacks).
 */
export interface ConnectVariant {
  id: string;
  label: string;
  /** One line for the dashboard: what this choice connects. */
  description: string;
  /** Everything this choice asks for, which its app must be provisioned to grant. */
  scopes: string[];
  /** Its app's variables, `{prefix}_CLIENT_ID` and `_CLIENT_SECRET`; the platform's own when absent or unset. */
  credentialsPrefix?: string;
}

export interface PlatformProfile<
  Id extends string = string,
  Options = unknown,
  Connects extends ConnectionMethod = ConnectionMethod,
> {
  id: Id;
  name: string;
  /** A sign-in at the platform (OAuth 2.0), or a bot token the organization brings. */
  connectsWith: Connects;
  environment: PlatformEnvironment;
  presentation: Presentation;
  preview: PreviewLook<Options>;
  /** Bot platforms: what the connect form asks for, and how each answer must look. */
  bot?: BotForm;
  /** OAuth platforms connected through separate apps; the first is the default. */
  connectVariants?: ConnectVariant[];
  /**
   * The platform's crawlers and link-preview fetchers, known by a token in their user agent: their
   * visits of a tracked link are counted as bots', apart from people's clicks.
   */
  linkFetchers?: { name: string; userAgentToken: string }[];
  /** What the connect flow tells a user whose grant has nothing to post as. */
  noAccountsMessage: string;
  limits: ContentLimits;
  /** The link is sent inside the text, so it counts towards the text's length (X, Telegram). */
  linkInText?: boolean;
  /** What goes between the text and the link it is sent with; a space when absent. */
  linkSeparator?: string;
  /**
   * The platform refuses a post whose text the account already posted (X); withinHours when the
   * platform documents for how long it remembers, absent when it does not say.
   */
  refusesDuplicateText?: { withinHours?: number };
  /** The post's options for this platform, as stored in `posts.options[id]`. */
  options: z.ZodType<Options>;
  /** Initial values of the composer's fields. */
  optionDefaults: Record<string, unknown>;
  optionFields: OptionField[];
  /** Media ids the options refer to beyond the post's own (X's thread parts). */
  referencedMedia?(options: Options): string[];
  /** How many posts one publication makes (X's threads); one when absent. */
  postCount?(options: Options): number;
  /** Rules beyond the limits, with their messages; fields are paths in the compose body. */
  rules?(draft: Draft<Options>, settings: RuleSettings): Problem[];
}

/** Keeps a profile's literal id and options type, so the registry can derive from them. */
export function defineProfile<const Id extends string, Options, const Connects extends ConnectionMethod>(
  profile: PlatformProfile<Id, Options, Connects>,
): PlatformProfile<Id, Options, Connects> {
  return profile;
}

/** The text the platform receives: with the link appended where the platform sends it inside the text. */
export function sentText(
  profile: { linkInText?: boolean; linkSeparator?: string },
  content: string,
  link: string | undefined,
): string {
  return profile.linkInText && link && !content.includes(link)
    ? `${content}${profile.linkSeparator ?? " "}${link}`.trim()
    : content;
}

export function textLength(limits: ContentLimits, text: string): number {
  return limits.weightedText ? weightedLength(text) : [...text].length;
}

export const isVideo = (media: MediaFacts) => media.contentType.startsWith("video/");

/** "video/quicktime" as people name it: MOV. */
function fileKind(contentType: string): string {
  const subtype = contentType.split("/")[1] ?? contentType;
  return ({ quicktime: "MOV", "svg+xml": "SVG" } as Record<string, string>)[subtype] ?? subtype.toUpperCase();
}

function tooMany(name: string, kind: "image" | "video", most: number, count: number): string {
  if (most === 0) return `${name} takes no ${kind}s; remove ${count === 1 ? `the ${kind}` : `the ${count} ${kind}s`}.`;
  return `${name} takes at most ${most} ${kind}${most === 1 ? "" : "s"} in one post; this has ${count}.`;
}

/** Counts, types, shapes and sizes of one post's (or one thread part's) media for a platform. */
export function mediaProblems(name: string, limits: ContentLimits, media: MediaFacts[], field: string): Problem[] {
  const problems: Problem[] = [];
  const videos = media.filter(isVideo);
  const images = media.filter((item) => item.contentType.startsWith("image/"));
  if (images.length > limits.maxImages)
    problems.push({ field, message: tooMany(name, "image", limits.maxImages, images.length) });
  if (videos.length > limits.maxVideos)
    problems.push({ field, message: tooMany(name, "video", limits.maxVideos, videos.length) });
  if (
    limits.mediaTotal &&
    media.length > 1 &&
    (media.length < limits.mediaTotal.min || media.length > limits.mediaTotal.max)
  )
    problems.push({
      field,
      message: `${name} takes ${limits.mediaTotal.min} to ${limits.mediaTotal.max} images and videos together in one post; this has ${media.length}.`,
    });
  // Where one kind is not taken at all, its count already said so.
  if (!limits.mixedMedia && limits.maxImages > 0 && limits.maxVideos > 0 && images.length > 0 && videos.length > 0)
    problems.push({ field, message: `${name} cannot mix images and videos in one post.` });
  for (const original of media) {
    // An image the platform refuses as uploaded is judged as the JPEG it will be sent instead.
    const fit = imageFitFor(limits, original);
    const item = fit
      ? { ...original, contentType: fit.contentType, width: fit.width, height: fit.height, sizeBytes: 0 }
      : original;
    const video = isVideo(item);
    const types = video ? limits.videoTypes : limits.imageTypes;
    if (!types.includes(item.contentType)) {
      // A kind the platform takes none of is already said by the count.
      if (types.length > 0)
        problems.push({
          field,
          message: `${name} does not take ${fileKind(item.contentType)} files like ${item.fileName}; it takes ${types.map(fileKind).join(", ")}.`,
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

/** Every rule one platform enforces on a draft: text length, media, then its own rules. */
export function draftProblems<Options>(
  profile: PlatformProfile<string, Options>,
  draft: Draft<Options>,
  settings: RuleSettings,
): Problem[] {
  const { limits, name } = profile;
  const problems: Problem[] = [];
  const length = textLength(limits, sentText(profile, draft.content, draft.link));
  if (length > limits.textLength) {
    problems.push({
      field: "content",
      message: `${name} takes at most ${limits.textLength}${limits.weightedText ? " weighted" : ""} characters; this is ${length}.`,
    });
  }
  if (!draft.content.trim() && draft.media.length === 0 && !draft.link)
    problems.push({ field: "content", message: `${name}: write something or attach media.` });
  if (limits.mediaRequired && draft.media.length === 0)
    problems.push({ field: "mediaIds", message: `${name} needs an image or a video.` });
  problems.push(...mediaProblems(name, limits, draft.media, "mediaIds"));
  problems.push(...(profile.rules?.(draft, settings) ?? []));
  return problems;
}
