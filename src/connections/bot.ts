import type { AppContext } from "../context.js";
import { invalidInput, upstreamFailed } from "../errors.js";
import { isBotPlatform, PlatformError, type Account } from "../platforms/platform.js";
import type { PlatformId } from "../platforms/profiles.js";
import { apiFor, platformAccess } from "./access.js";
import { describeFailure } from "./health.js";
import { saveConnections, type Actor } from "./save.js";
import type { Connection } from "./store.js";

/** A bot platform: the organization's own bot, checked to be an administrator that may post in the channel. */
export async function connectBot(
  context: AppContext,
  actor: Actor,
  platform: PlatformId,
  options: { botToken: string; chat: string },
): Promise<Connection> {
  const access = platformAccess(context, platform);
  const definition = access.definition;
  if (!isBotPlatform(definition) || !definition.bot)
    throw invalidInput("not_bot", `${definition.name} connects with a sign-in, not a bot token.`, "platform");
  const form = definition.bot;
  if (!form.token.pattern.test(options.botToken))
    throw invalidInput("invalid_bot_token", `botToken ${form.token.message}`, "botToken");
  if (!form.chat.pattern.test(options.chat)) throw invalidInput("invalid_chat", `chat ${form.chat.message}`, "chat");
  let account: Account;
  try {
    account = await definition.verifyChannel(
      apiFor(access, { subject: { organizationId: actor.organizationId } }),
      options.botToken,
      options.chat,
    );
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const field = error.failure.kind === "token_invalid" && error.status === 401 ? "botToken" : "chat";
    const message = error.status === 401 ? form.unknownToken : describeFailure(error);
    // The platform not answering is worth another try; a refusal is about what was entered.
    const refuse = error.failure.kind === "transient" ? upstreamFailed : invalidInput;
    throw refuse(
      "bot_rejected",
      message,
      error.failure.kind === "rejected" && error.failure.field ? error.failure.field : field,
    );
  }
  const [saved] = await saveConnections(context, actor, {
    platform,
    isSandbox: access.mode === "sandbox",
    grant: { accessToken: options.botToken, scopes: [] },
    accounts: [account],
  });
  return saved!;
}
