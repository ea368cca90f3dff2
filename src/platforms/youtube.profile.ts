import { z } from "zod";
import { defineProfile, isVideo, type Problem } from "./profile.js";

/**
 * A title is at most 100 characters, a description at most 5,000 bytes (UTF-8), and neither may
 * contain < or >. https://developers.google.com/youtube/v3/docs/videos#snippet.title
 * https://developers.google.com/youtube/v3/docs/videos#snippet.description
 */
const TITLE_LENGTH = 100;
const DESCRIPTION_BYTES = 5_000;
const SHORT_SECONDS = 180;

/** The title (given, or the text's first line) and description (a Short's carries #Shorts) as YouTube receives them. */
export function youtubeSnippet(
  content: string,
  options: { title?: string; short?: boolean },
): { title: string; description: string } {
  const title = options.title ?? content.split("\n")[0] ?? "";
  const description =
    options.short && !/#shorts/i.test(`${title} ${content}`) ? `${content}\n\n#Shorts`.trim() : content;
  return { title, description };
}

export const youtubeProfile = defineProfile({
  id: "youtube",
  name: "YouTube",
  connectsWith: "oauth",
  environment: { prefix: "YOUTUBE" },
  presentation: { glyph: "▶", color: "#ff0000", blurb: "Upload videos and Shorts to your channel." },
  preview: {
    layout: "video",
    // Observed: the description under the video is cut after about 100 characters; unconfirmed.
    fold: { characters: 100, label: "more" },
    // 16:9 on a computer, vertical for Shorts. https://support.google.com/youtube/answer/6375112 https://support.google.com/youtube/answer/10059070
    frame: (options) => (options.short ? 9 / 16 : 16 / 9),
    shown: (content, options) => {
      const { title, description } = youtubeSnippet(content, options);
      return { title, text: description };
    },
  },
  noAccountsMessage:
    "This Google account has no YouTube channel. Create the channel (or choose the brand account that owns it) and connect again.",
  // https://developers.google.com/youtube/v3/docs/videos/insert; the description's real bound is in bytes (rules).
  limits: {
    textLength: 5_000,
    maxImages: 0,
    maxVideos: 1,
    mixedMedia: false,
    mediaRequired: true,
    imageTypes: [],
    videoTypes: ["video/mp4", "video/quicktime", "video/webm"],
    maxImageBytes: 0,
    maxVideoBytes: 256 * 1024 * 1024 * 1024,
  },
  options: z.object({
    /** The first line of the text when absent. */
    title: z.string().max(200).optional(),
    privacy: z.enum(["public", "unlisted", "private"]).optional(),
    short: z.boolean().optional(),
  }),
  optionDefaults: { privacy: "public", short: false },
  optionFields: [
    { kind: "text", key: "title", label: "YouTube title", placeholder: "The text's first line" },
    {
      kind: "choice",
      key: "privacy",
      label: "YouTube privacy",
      choices: [
        { value: "public", label: "Public" },
        { value: "unlisted", label: "Unlisted" },
        { value: "private", label: "Private" },
      ],
    },
    { kind: "toggle", key: "short", label: "Publish as a YouTube Short" },
  ],
  rules({ content, media, options }) {
    const problems: Problem[] = [];
    const { title, description } = youtubeSnippet(content, options);
    const titleLength = [...title].length;
    if (!title.trim()) problems.push({ field: "options.youtube.title", message: "YouTube needs a title." });
    if (titleLength > TITLE_LENGTH)
      problems.push({
        field: "options.youtube.title",
        message: `YouTube titles are at most ${TITLE_LENGTH} characters; this is ${titleLength}.`,
      });
    if (/[<>]/.test(title))
      problems.push({ field: "options.youtube.title", message: "YouTube titles cannot contain < or >." });
    const bytes = new TextEncoder().encode(description).length;
    // Past 5,000 characters the length rule has said it already.
    if (bytes > DESCRIPTION_BYTES && [...description].length <= DESCRIPTION_BYTES)
      problems.push({
        field: "content",
        message: `YouTube descriptions are at most ${DESCRIPTION_BYTES.toLocaleString("en")} bytes; this is ${bytes.toLocaleString("en")} (accented letters, emoji and other non-Latin characters take 2 to 4 bytes each).`,
      });
    if (/[<>]/.test(description))
      problems.push({ field: "content", message: "YouTube descriptions cannot contain < or >." });
    const longest = Math.max(0, ...media.filter(isVideo).map((item) => item.durationSeconds ?? 0));
    if (options.short && longest > SHORT_SECONDS) {
      problems.push({
        field: "options.youtube.short",
        message: `A YouTube Short lasts at most ${SHORT_SECONDS / 60} minutes; this video is ${Math.round(longest)} s.`,
      });
    }
    return problems;
  },
});
