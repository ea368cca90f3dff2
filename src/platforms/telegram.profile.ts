import { z } from "zod";
import { defineProfile, sentText } from "./profile.js";

const CAPTION_LENGTH = 1_024;
/** The link goes on a paragraph of its own below the text, in the message or the caption. */
const linkPlacement = { linkInText: true, linkSeparator: "\n\n" };

export const telegramProfile = defineProfile({
  id: "telegram",
  name: "Telegram",
  // Each organization brings its own bot: no app credentials on the server.
  connectsWith: "bot",
  environment: { prefix: "TELEGRAM" },
  presentation: { glyph: "✈", color: "#229ed9", blurb: "Channels, through your organization's own bot." },
  preview: {
    layout: "message",
    // A link is previewed under the message. https://core.telegram.org/bots/api#linkpreviewoptions
    // Its image keeps the page's shape at Telegram; drawn at 1.91:1 here, unconfirmed.
    linkCardAspect: 1.91,
  },
  bot: {
    instructions:
      "Create a bot with @BotFather, add it to your channel as an administrator allowed to post, then paste its token here.",
    token: {
      pattern: /^\d+:[\w-]{20,}$/,
      example: "123456789:AA…",
      message: "must be a bot token from @BotFather, like 123456789:AA…",
    },
    chat: {
      pattern: /^(@[A-Za-z]\w{3,}|-100\d+)$/,
      example: "@yourchannel",
      message: "must be the channel's @username or its numeric id (-100…)",
    },
    unknownToken: "Telegram does not accept this bot token. Copy it again from @BotFather.",
  },
  // The preview fetcher calls itself "TelegramBot (like TwitterBot)"; Telegram documents the previews,
  // not the agent: https://core.telegram.org/bots/api#linkpreviewoptions
  linkFetchers: [{ name: "TelegramBot", userAgentToken: "TelegramBot" }],
  noAccountsMessage: "The bot may post in no channel: make it an administrator of the channel.",
  ...linkPlacement,
  // https://core.telegram.org/bots/api#sendmessage, #sendphoto, #sendvideo, #sendmediagroup (2–10 items)
  limits: {
    textLength: 4_096,
    maxImages: 10,
    maxVideos: 10,
    mediaTotal: { min: 2, max: 10 },
    mixedMedia: true,
    mediaRequired: false,
    imageTypes: ["image/jpeg", "image/png", "image/webp"],
    videoTypes: ["video/mp4"],
    maxImageBytes: 5 * 1024 * 1024,
    maxVideoBytes: 20 * 1024 * 1024,
  },
  options: z.object({}),
  optionDefaults: {},
  optionFields: [],
  rules({ content, link, media }) {
    const caption = [...sentText(linkPlacement, content, link)].length;
    return media.length > 0 && caption > CAPTION_LENGTH
      ? [
          {
            field: "content",
            message: `Telegram captions on media are at most ${CAPTION_LENGTH.toLocaleString("en")} characters, the link included; this is ${caption.toLocaleString("en")}.`,
          },
        ]
      : [];
  },
});
