import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { PlatformReply } from "./context.js";
import type { SandboxPerson, SandboxTikTokCreator } from "./seed.js";
import type { AccessTokenRecord, OAuthClient } from "./state.js";

/**
 * TikTok's answer envelope, shared by the Display and Content Posting emulations:
 * `{data, error:{code, message, log_id}}`, where success is `error.code == "ok"`.
 * https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
 */

/** Like TikTok's: the time to the second, then hexadecimal. */
const logId = (now: number) =>
  `${new Date(now).toISOString().replace(/\D/g, "").slice(0, 14)}${randomBytes(10).toString("hex").toUpperCase()}`;

/** TikTok's answers, their `log_id` stamped with the sandbox's time rather than the machine's. */
export function tiktokEnvelope(now: () => number) {
  /** An API answer that failed: the envelope with empty data. */
  const tiktokError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    new PlatformReply(status, { data: {}, error: { code, message, log_id: logId(now()) } }, headers);
  return {
    logId: () => logId(now()),
    tiktokError,
    invalidParams: (message: string) => tiktokError(400, "invalid_params", message),
    rateLimited: () =>
      tiktokError(429, "rate_limit_exceeded", "Your request is blocked due to exceeding the API rate limit."),
    /** An API answer that succeeded. */
    answer: (data: unknown) => ({ data, error: { code: "ok", message: "", log_id: logId(now()) } }),
  };
}

/** Sends an answer whose int64 ids go on the wire as JSON numbers, as TikTok types them, past JavaScript's safe integers. */
export function sendWithInt64(reply: FastifyReply, body: unknown, int64Ids: string[]) {
  let text = JSON.stringify(body);
  for (const id of int64Ids) text = text.replace(`"${id}"`, id);
  return reply.type("application/json; charset=utf-8").send(text);
}

/** The caller behind a bearer token: its grant, its app and the creator it acts for. */
export interface TikTokCaller {
  token: AccessTokenRecord;
  client: OAuthClient;
  person: SandboxPerson;
  creator: SandboxTikTokCreator;
}

/** Checks the bearer token and that the grant holds one of the scopes. */
export type Authenticate = (request: FastifyRequest, acceptedScopes: string[]) => TikTokCaller;
