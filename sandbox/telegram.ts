import type { FastifyInstance, FastifyRequest } from "fastify";
import { PlatformReply, type SandboxContext, type SandboxPlatform } from "./context.js";
import { readForm, type UploadedFile } from "./form.js";
import { fetchMedia } from "./media.js";
import { grown } from "./metrics.js";
import { bots, telegramChats, type SandboxBot, type SandboxTelegramChat } from "./seed.js";
import type { PublishedItem } from "./state.js";

/**
 * Telegram Bot API: bot tokens, getMe, getChat, getChatMember, sending to channels (text,
 * photo, video, document, media groups), flood limits with retry_after, the subscriber count.
 * https://core.telegram.org/bots/api
 */

const TEXT_LIMIT = 4_096;
const CAPTION_LIMIT = 1_024;
const MB = 1024 * 1024;
const HOUR = 3_600_000;
/** Upload limits, and the smaller ones for files Telegram downloads from a URL. */
const uploadLimits = { photo: 10 * MB, video: 50 * MB, document: 50 * MB };
const urlLimits = { photo: 5 * MB, video: 20 * MB, document: 20 * MB };
const MARKDOWN_V2_RESERVED = /[_*[\]()~`>#+\-=|{}.!]/;

function failure(status: number, description: string, parameters?: Record<string, number>) {
  return new PlatformReply(status, {
    ok: false,
    error_code: status,
    description,
    ...(parameters ? { parameters } : {}),
  });
}

const badRequest = (description: string) => failure(400, `Bad Request: ${description}`);

type MediaKind = keyof typeof uploadLimits;

/** MarkdownV2 requires every reserved character outside entities to be escaped. */
function checkMarkdownV2(text: string) {
  let inCode = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (character === "\\") {
      index += 1;
      continue;
    }
    if (character === "`") inCode = !inCode;
    if (inCode || "*_~|[]()`".includes(character)) continue;
    if (MARKDOWN_V2_RESERVED.test(character)) {
      throw badRequest(
        `can't parse entities: Character '${character}' is reserved and must be escaped with the preceding '\\'`,
      );
    }
  }
}

function visibleLength(text: string, parseMode: string | undefined): number {
  if (parseMode === "HTML") return text.replace(/<[^>]+>/g, "").length;
  if (parseMode === "MarkdownV2") return text.replace(/\\(.)/g, "$1").length;
  return [...text].length;
}

export const telegram: SandboxPlatform = {
  prefix: "telegram",
  standsFor: ["telegram"],
  realBaseUrls: { api: "https://api.telegram.org" },
  redactPath: (path) => path.replace(/\/bot[^/]+/, "/bot[redacted]"),
  transientError: (status) => failure(status, status === 502 ? "Bad Gateway" : "Internal Server Error"),
  rateLimitError: (retryAfterSeconds) =>
    failure(429, `Too Many Requests: retry after ${retryAfterSeconds}`, { retry_after: retryAfterSeconds }),

  register(app: FastifyInstance, context: SandboxContext) {
    const { limits } = context.options;

    function findChat(chatId: string | undefined): SandboxTelegramChat {
      const chat = telegramChats.find(
        (candidate) => `@${candidate.username}` === chatId || String(candidate.id) === chatId,
      );
      if (!chat) throw badRequest("chat not found");
      return chat;
    }

    /**
     * The seeded count, joined by more subscribers as the sandbox's clock is moved (never by real
     * time passing), counted per whole hour so a test knows the exact number after any move.
     */
    function subscribersOf(chat: SandboxTelegramChat): number {
      const movedHours = Math.floor(context.clock.offset() / HOUR);
      return chat.memberCount + grown(`${chat.id}:subscribers`, 0, movedHours * HOUR, 3);
    }

    function chatView(chat: SandboxTelegramChat) {
      return { id: chat.id, title: chat.title, username: chat.username, type: "channel" };
    }

    function botView(bot: SandboxBot) {
      return { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username };
    }

    /** The bot must be an administrator allowed to post; Telegram says which it is not. */
    function requirePostingRights(bot: SandboxBot, chat: SandboxTelegramChat) {
      const membership = chat.members[bot.username];
      if (!membership) throw failure(403, "Forbidden: bot is not a member of the channel chat");
      if (membership.status !== "administrator" || !membership.canPostMessages)
        throw badRequest("need administrator rights in the channel chat");
    }

    function floodControl(bot: SandboxBot, chat: SandboxTelegramChat, messages: number) {
      const perChat = context.take(`telegram:chat:${chat.id}`, limits.telegramMessagesPerMinutePerChat, 60_000, {
        cost: messages,
      });
      const perBot = context.take(`telegram:bot:${bot.id}`, limits.telegramMessagesPerSecondPerBot, 1_000, {
        cost: messages,
      });
      const blocked = [perChat, perBot].find((use) => !use.allowed);
      if (blocked) {
        const retryAfter = Math.max(1, Math.ceil((blocked.resetAt - context.now()) / 1000));
        throw failure(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
      }
    }

    function checkText(text: string | undefined, parseMode: string | undefined, limit: number, field: string) {
      if (text === undefined) return;
      if (parseMode === "MarkdownV2") checkMarkdownV2(text);
      if (parseMode && !["HTML", "MarkdownV2", "Markdown"].includes(parseMode))
        throw badRequest(`unsupported parse_mode "${parseMode}"`);
      const length = visibleLength(text, parseMode);
      if (field === "text" && length === 0) throw badRequest("message text is empty");
      if (length > limit) throw badRequest(field === "text" ? "message is too long" : "message caption is too long");
    }

    /** A file by upload, by URL (Telegram downloads it), or by an earlier file_id. */
    async function resolveFile(kind: MediaKind, value: string | undefined, files: UploadedFile[]) {
      const attached = value?.startsWith("attach://") ? files.find((file) => file.field === value.slice(9)) : undefined;
      const uploaded = attached ?? (value === undefined ? files.find((file) => file.field === kind) : undefined);
      if (uploaded) {
        if (uploaded.bytes.length > uploadLimits[kind]) throw failure(413, "Request Entity Too Large");
        return { bytes: uploaded.bytes.length, mimeType: uploaded.mimetype };
      }
      if (!value) throw badRequest(`there is no ${kind} in the request`);
      if (/^https?:\/\//.test(value)) {
        const fetched = await fetchMedia(value);
        if (!fetched) throw badRequest("wrong file identifier/HTTP URL specified");
        if (fetched.bytes > urlLimits[kind]) throw badRequest("failed to get HTTP URL content");
        return { bytes: fetched.bytes, mimeType: fetched.contentType };
      }
      const known = context.state.object<{ bytes: number; mimeType: string }>("tg_file", value);
      if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
      return known;
    }

    function fileView(kind: MediaKind, file: { bytes: number; mimeType: string }) {
      const fileId = `AgAC${context.state.secret("", 20)}`;
      context.state.putObject("tg_file", fileId, file);
      const base = { file_id: fileId, file_unique_id: fileId.slice(-12), file_size: file.bytes };
      if (kind === "photo") return { photo: [{ ...base, width: 1280, height: 720 }] };
      if (kind === "video")
        return { video: { ...base, width: 1280, height: 720, duration: 12, mime_type: file.mimeType } };
      return { document: { ...base, file_name: "file", mime_type: file.mimeType } };
    }

    function recordMessage(
      chat: SandboxTelegramChat,
      options: { text: string; media: PublishedItem["media"]; groupId?: string },
    ) {
      const messageId = context.state.nextNumber(`tg:message:${chat.id}`);
      context.state.publish({
        platform: "telegram",
        accountId: `@${chat.username}`,
        kind: options.media.length ? options.media[0]!.type : "text",
        id: String(messageId),
        createdAt: context.now(),
        url: `https://t.me/${chat.username}/${messageId}`,
        text: options.text,
        media: options.media,
        extra: options.groupId ? { mediaGroupId: options.groupId } : {},
      });
      return {
        message_id: messageId,
        sender_chat: chatView(chat),
        chat: chatView(chat),
        date: Math.floor(context.now() / 1000),
      };
    }

    async function send(bot: SandboxBot, method: string, fields: Record<string, string>, files: UploadedFile[]) {
      const chat = findChat(fields.chat_id);
      requirePostingRights(bot, chat);
      if (method === "sendmessage") {
        checkText(fields.text, fields.parse_mode, TEXT_LIMIT, "text");
        floodControl(bot, chat, 1);
        return { ...recordMessage(chat, { text: fields.text!, media: [] }), text: fields.text };
      }
      if (method === "sendmediagroup") {
        let media: { type?: string; media?: string; caption?: string; parse_mode?: string }[];
        try {
          media = JSON.parse(fields.media ?? "");
        } catch {
          throw badRequest("can't parse media JSON object");
        }
        if (!Array.isArray(media) || media.length < 2 || media.length > 10)
          throw badRequest("media must contain 2-10 items");
        const resolved = [];
        for (const item of media) {
          if (item.type !== "photo" && item.type !== "video")
            throw badRequest(`unsupported media type "${item.type}" in a media group`);
          checkText(item.caption, item.parse_mode, CAPTION_LIMIT, "caption");
          resolved.push({
            kind: item.type as MediaKind,
            caption: item.caption,
            file: await resolveFile(item.type, item.media, files),
          });
        }
        floodControl(bot, chat, resolved.length);
        const groupId = context.state.nextId("tg:group", "13000000000000000");
        return resolved.map((item) => ({
          ...recordMessage(chat, {
            text: item.caption ?? "",
            media: [{ type: item.kind, bytes: item.file.bytes }],
            groupId,
          }),
          media_group_id: groupId,
          ...fileView(item.kind, item.file),
          ...(item.caption ? { caption: item.caption } : {}),
        }));
      }
      const kind = ({ sendphoto: "photo", sendvideo: "video", senddocument: "document" } as const)[
        method as "sendphoto" | "sendvideo" | "senddocument"
      ];
      checkText(fields.caption, fields.parse_mode, CAPTION_LIMIT, "caption");
      const file = await resolveFile(kind, fields[kind], files);
      floodControl(bot, chat, 1);
      return {
        ...recordMessage(chat, { text: fields.caption ?? "", media: [{ type: kind, bytes: file.bytes }] }),
        ...fileView(kind, file),
        ...(fields.caption ? { caption: fields.caption } : {}),
      };
    }

    async function call(request: FastifyRequest) {
      const { token, method } = request.params as { token: string; method: string };
      const bot = bots.find((candidate) => candidate.token === token);
      if (!bot) throw failure(401, "Unauthorized");
      const { fields, files } = await readForm(request);
      const name = method.toLowerCase();
      switch (name) {
        case "getme":
          return botView(bot);
        case "getchat":
          return chatView(findChat(fields.chat_id));
        case "getchatmember": {
          const chat = findChat(fields.chat_id);
          const member = bots.find((candidate) => String(candidate.id) === fields.user_id);
          if (!member) throw badRequest("user not found");
          const membership = chat.members[member.username];
          if (!membership) return { status: "left", user: botView(member) };
          if (membership.status === "member") return { status: "member", user: botView(member) };
          return {
            status: "administrator",
            user: botView(member),
            can_be_edited: false,
            is_anonymous: false,
            can_manage_chat: true,
            can_delete_messages: membership.canPostMessages,
            can_manage_video_chats: false,
            can_restrict_members: false,
            can_promote_members: false,
            can_change_info: false,
            can_invite_users: true,
            can_post_messages: membership.canPostMessages,
            can_edit_messages: membership.canPostMessages,
            can_post_stories: false,
            can_edit_stories: false,
            can_delete_stories: false,
          };
        }
        case "getchatmembercount":
        case "getchatmemberscount":
          return subscribersOf(findChat(fields.chat_id));
        case "getchatadministrators": {
          const chat = findChat(fields.chat_id);
          if (!chat.members[bot.username]) throw failure(403, "Forbidden: bot is not a member of the channel chat");
          return Object.entries(chat.members)
            .filter(([, membership]) => membership.status === "administrator")
            .map(([username, membership]) => ({
              status: "administrator",
              user: botView(bots.find((candidate) => candidate.username === username)!),
              can_post_messages: membership.canPostMessages,
            }));
        }
        case "sendmessage":
        case "sendphoto":
        case "sendvideo":
        case "senddocument":
        case "sendmediagroup":
          return send(bot, name, fields, files);
        case "deletemessage": {
          const chat = findChat(fields.chat_id);
          requirePostingRights(bot, chat);
          const published = context.state.data.published;
          const index = published.findIndex(
            (item) =>
              item.platform === "telegram" && item.accountId === `@${chat.username}` && item.id === fields.message_id,
          );
          if (index < 0) throw badRequest("message to delete not found");
          published.splice(index, 1);
          return true;
        }
        default:
          throw failure(404, "Not Found");
      }
    }

    const handler = async (request: FastifyRequest) => ({ ok: true, result: await call(request) });
    app.get("/bot:token/:method", handler);
    app.post("/bot:token/:method", handler);
  },
};
