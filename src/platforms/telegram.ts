import { z } from "zod";
import type { PlatformAnalytics } from "./analytics.js";
import type { Api, ErrorResponse } from "./http.js";
import {
  PlatformError,
  type BotPlatform,
  type OutgoingMedia,
  type PlatformContext,
  type PlatformFailure,
  type StoredAccount,
} from "./platform.js";
import { sentText } from "./profile.js";
import { telegramProfile } from "./telegram.profile.js";
import type { PlatformOptions } from "./profiles.js";

/**
 * Telegram channels, through the organization's own bot. The Bot API puts the token in the
 * path (it has no header form), so these URLs are never logged.
 * https://core.telegram.org/bots/api
 */

const answer = <T extends z.ZodType>(result: T) => z.object({ ok: z.literal(true), result });
const bot = z.object({ id: z.number(), is_bot: z.literal(true), username: z.string(), first_name: z.string() });
const chat = z.object({
  id: z.number(),
  type: z.string(),
  title: z.string().optional(),
  username: z.string().optional(),
});
const member = z.object({ status: z.string(), can_post_messages: z.boolean().optional() });
const failureBody = z.object({
  ok: z.literal(false),
  error_code: z.number(),
  description: z.string(),
  parameters: z.object({ retry_after: z.number().optional() }).optional(),
});

function classify(response: ErrorResponse): PlatformFailure | undefined {
  const body = failureBody.safeParse(response.body);
  if (!body.success || response.status >= 500) return undefined;
  const retryAfter = body.data.parameters?.retry_after;
  if (response.status === 429 && retryAfter)
    return { kind: "rate_limited", retryAt: new Date(response.receivedAt + retryAfter * 1000), scope: "account" };
  if (response.status === 401)
    return {
      kind: "token_invalid",
      reason: "Telegram no longer accepts this bot token: it was revoked or regenerated in @BotFather.",
    };
  if (response.status === 403)
    return {
      kind: "token_invalid",
      reason: `Telegram: ${body.data.description}. Add the bot to the channel as an administrator.`,
    };
  return { kind: "rejected", userMessage: `Telegram: ${body.data.description}` };
}

const method = (token: string, name: string) => `/bot${token}/${name}`;

const NOT_PROVIDED = "Not provided by Telegram: the Bot API gives bots no view, reach or reaction counts of a channel.";

/**
 * A channel's subscriber count is all the Bot API measures: getChatMemberCount answers an
 * Integer, and its Message type carries no view count. https://core.telegram.org/bots/api#getchatmembercount
 */
const telegramAnalytics: PlatformAnalytics = {
  provides: { post: [], account: ["followers"] },
  // Posts are never read: the Bot API has nothing to read about them.
  postsPerRead: 0,
  cost: { posts: 0, account: 1 },
  budgets: [
    {
      scope: "account",
      calls: 30,
      perMs: 1_000,
      source:
        "estimate: Telegram publishes no limit for reads; its one figure is about 30 messages a second per bot " +
        "(https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)",
    },
  ],
  // The count now, and no history of it: growth comes from the daily snapshots.
  historyDays: 0,
  async readAccount(api, account, _range, context) {
    const { data } = await api.call(answer(z.number().int().nonnegative()), {
      host: "api",
      path: method(botTokenOf(context), "getChatMemberCount"),
      query: { chat_id: account.details.chatId ?? account.externalId },
      bearer: false,
    });
    return {
      days: [],
      current: [{ metric: "followers", value: data.result, source: "getChatMemberCount" }],
      unavailable: (["views", "reach", "reactions", "comments", "shares"] as const).map((metric) => ({
        metric,
        reason: "not_provided" as const,
        message: NOT_PROVIDED,
      })),
    };
  },
};
const sentMessage = z.object({ message_id: z.number() });

function botTokenOf(context: PlatformContext): string {
  if (!context.botToken) throw new Error("Telegram calls need the bot token");
  return context.botToken;
}

/** Public channels have a t.me/{username}/{id} link; private ones t.me/c/{id without -100}/{id}. */
function messageUrl(api: Api, account: StoredAccount, messageId: number): string {
  const chatId = account.details.chatId ?? account.externalId;
  return api
    .url(
      "web",
      account.details.username
        ? `/${account.details.username}/${messageId}`
        : `/c/${chatId.replace(/^-100/, "")}/${messageId}`,
    )
    .toString();
}

async function postingRights(api: Api, botToken: string, chatId: number, botId: number) {
  const { data } = await api.call(answer(member), {
    host: "api",
    path: method(botToken, "getChatMember"),
    query: { chat_id: String(chatId), user_id: String(botId) },
    bearer: false,
  });
  return (
    data.result.status === "creator" ||
    (data.result.status === "administrator" && data.result.can_post_messages === true)
  );
}

export const telegram: BotPlatform<PlatformOptions<"telegram">> = {
  ...telegramProfile,
  realHosts: { api: "https://api.telegram.org", web: "https://t.me" },
  classify,
  auth: () => ({ kind: "bot" }),
  analytics: telegramAnalytics,

  async verifyChannel(api, botToken, chatReference) {
    const { data: me } = await api.call(answer(bot), { host: "api", path: method(botToken, "getMe"), bearer: false });
    const { data: found } = await api.call(answer(chat), {
      host: "api",
      path: method(botToken, "getChat"),
      query: { chat_id: chatReference },
      bearer: false,
    });
    if (found.result.type !== "channel") {
      throw new PlatformError(
        "telegram",
        { kind: "rejected", userMessage: `${chatReference} is a ${found.result.type}, not a channel.`, field: "chat" },
        { message: "not a channel" },
      );
    }
    if (!(await postingRights(api, botToken, found.result.id, me.result.id))) {
      throw new PlatformError(
        "telegram",
        {
          kind: "rejected",
          userMessage: `@${me.result.username} is not an administrator of ${chatReference} allowed to post. Add it in the channel's settings and allow "Post messages".`,
          field: "chat",
        },
        { message: "bot may not post" },
      );
    }
    return {
      externalId: String(found.result.id),
      kind: "channel_chat",
      name: found.result.title ?? chatReference,
      username: found.result.username,
      details: {
        chatId: String(found.result.id),
        botId: String(me.result.id),
        botUsername: me.result.username,
        ...(found.result.username ? { username: found.result.username } : {}),
      },
    };
  },

  publishing: {
    async publish(api, account, post, context) {
      const token = botTokenOf(context);
      const chatId = account.details.chatId ?? account.externalId;
      // Validation kept the text and the link within Telegram's message or caption length: nothing is cut.
      const text = sentText(telegramProfile, post.text, post.link);
      const kindOf = (media: OutgoingMedia) => (media.contentType.startsWith("video/") ? "video" : "photo");
      if (post.media.length === 0) {
        const { data } = await api.call(answer(sentMessage), {
          method: "POST",
          host: "api",
          path: method(token, "sendMessage"),
          json: { chat_id: chatId, text },
          bearer: false,
        });
        return { remoteId: String(data.result.message_id), url: messageUrl(api, account, data.result.message_id) };
      }
      // Telegram downloads media from the URL itself.
      if (post.media.length === 1) {
        const kind = kindOf(post.media[0]!);
        const { data } = await api.call(answer(sentMessage), {
          method: "POST",
          host: "api",
          path: method(token, kind === "video" ? "sendVideo" : "sendPhoto"),
          json: { chat_id: chatId, [kind]: post.media[0]!.url, caption: text || undefined },
          bearer: false,
        });
        return { remoteId: String(data.result.message_id), url: messageUrl(api, account, data.result.message_id) };
      }
      const { data } = await api.call(answer(z.array(sentMessage)), {
        method: "POST",
        host: "api",
        path: method(token, "sendMediaGroup"),
        json: {
          chat_id: chatId,
          media: post.media.map((media, index) => ({
            type: kindOf(media),
            media: media.url,
            ...(index === 0 && text ? { caption: text } : {}),
          })),
        },
        bearer: false,
      });
      const first = data.result[0]!;
      return { remoteId: String(first.message_id), url: messageUrl(api, account, first.message_id) };
    },
  },

  async checkHealth(api, account, context) {
    if (
      !(await postingRights(api, botTokenOf(context), Number(account.details.chatId), Number(account.details.botId)))
    ) {
      throw new PlatformError(
        "telegram",
        {
          kind: "token_invalid",
          reason: 'The bot may no longer post in this channel: make it an administrator with "Post messages" again.',
        },
        { message: "bot lost posting rights" },
      );
    }
  },
};
