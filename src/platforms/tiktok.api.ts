import { z } from "zod";
import type { Api, CallOptions, ErrorResponse } from "./http.js";
import { PlatformError, type PlatformFailure } from "./platform.js";
import { tiktokProfile } from "./tiktok.profile.js";

/**
 * What every TikTok call shares: the answer envelope, TikTok's error codes as failure kinds, and
 * creator info (asked when connecting and before every post).
 */

/** Every answer: `{data, error:{code, message, log_id}}`, success only when the code is "ok". https://developers.tiktok.com/doc/tiktok-api-v2-error-handling */
const envelope = z.object({
  data: z.unknown(),
  error: z.object({
    code: z.string(),
    message: z.string().default(""),
    // The reference tables write `logid`, the examples and the answers `log_id`.
    log_id: z.string().optional(),
    logid: z.string().optional(),
  }),
});

/** https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info */
const creatorInfo = z.object({
  creator_username: z.string(),
  creator_nickname: z.string(),
  privacy_level_options: z.array(z.string()),
  comment_disabled: z.boolean(),
  duet_disabled: z.boolean(),
  stitch_disabled: z.boolean(),
  max_video_post_duration_sec: z.number(),
});
export type CreatorInfo = z.infer<typeof creatorInfo>;

/** The statuses TikTok answers with its envelope: read here, so a failure keeps TikTok's code. */
const ENVELOPE_STATUSES = [400, 401, 403, 404, 429];
/** creator_info is a POST with no body, sent as TikTok's own example sends it. */
const JSON_CONTENT = { "content-type": "application/json; charset=UTF-8" };
const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export const rejected = (userMessage: string, field?: string): PlatformFailure => ({
  kind: "rejected",
  userMessage,
  ...(field ? { field } : {}),
});

/**
 * TikTok's error codes as failure kinds. No rate-limit headers are documented: a spent
 * per-minute window is a minute, a daily cap a day (both rolling).
 */
function failureOf(code: string, message: string, now: number): PlatformFailure | undefined {
  switch (code) {
    case "access_token_invalid":
      return { kind: "token_expired" };
    case "scope_not_authorized":
    case "scope_permission_missed":
      return {
        kind: "token_invalid",
        reason: "TikTok no longer grants a permission this needs: reconnect the account and allow every permission.",
      };
    case "rate_limit_exceeded":
      return { kind: "rate_limited", retryAt: new Date(now + MINUTE_MS), scope: "account" };
    case "spam_risk_too_many_posts":
    case "spam_risk_too_many_pending_share":
      return { kind: "rate_limited", retryAt: new Date(now + DAY_MS), scope: "account" };
    case "reached_active_user_cap":
      return { kind: "rate_limited", retryAt: new Date(now + DAY_MS), scope: "app" };
    case "unaudited_client_can_only_post_to_private_accounts":
      return rejected(
        "Until TikTok audits this app, it may post only as “Only me”, and only to private TikTok accounts.",
        "privacy",
      );
    case "privacy_level_option_mismatch":
      return rejected("TikTok no longer offers the chosen privacy for this account: choose it again.", "privacy");
    case "url_ownership_unverified":
      return rejected(
        "TikTok will not take media from this server until its address is verified for the app in TikTok's developer portal.",
      );
    case "spam_risk_user_banned_from_posting":
      return rejected("TikTok has banned this account from posting.");
    case "internal_error":
      return { kind: "transient" };
    default:
      return message ? rejected(message) : undefined;
  }
}

export function classify(response: ErrorResponse): PlatformFailure | undefined {
  const answer = envelope.safeParse(response.body);
  return answer.success ? failureOf(answer.data.error.code, answer.data.error.message, response.receivedAt) : undefined;
}

/**
 * A TikTok API call: the envelope read whatever the status (real clients find error codes in
 * HTTP 200 answers), any code but "ok" thrown as its failure with TikTok's code and log_id
 * (TikTok support asks for it), then the data parsed.
 */
export async function request<T>(api: Api, data: z.ZodType<T>, options: CallOptions): Promise<T> {
  const { data: answer, status } = await api.call(envelope, { ...options, alsoOk: ENVELOPE_STATUSES });
  const { code, message } = answer.error;
  const logId = answer.error.log_id ?? answer.error.logid;
  if (code !== "ok") {
    const failure = failureOf(code, message, api.clock.now()) ?? rejected(`TikTok refused the request (${code}).`);
    throw new PlatformError(tiktokProfile.id, failure, {
      message: `${options.path}: ${code} ${message} (log_id ${logId})`,
      status,
      platformCode: code,
    });
  }
  const parsed = data.safeParse(answer.data);
  if (!parsed.success) {
    const write = (options.method ?? "GET") !== "GET";
    throw new PlatformError(
      tiktokProfile.id,
      write ? { kind: "ambiguous" } : rejected("TikTok answered in an unexpected shape."),
      {
        message: `unexpected answer from ${options.path} (log_id ${logId}): ${parsed.error.issues[0]?.message}`,
        status,
      },
    );
  }
  return parsed.data;
}

/** Creator info is a read sent as a POST: its failure is never a post that may have landed. */
export async function readCreator(api: Api): Promise<CreatorInfo> {
  try {
    return await request(api, creatorInfo, {
      method: "POST",
      host: "api",
      path: "/v2/post/publish/creator_info/query/",
      headers: JSON_CONTENT,
    });
  } catch (error) {
    if (!(error instanceof PlatformError) || error.failure.kind !== "ambiguous") throw error;
    throw new PlatformError(
      tiktokProfile.id,
      { kind: "transient" },
      { message: error.message, status: error.status, cause: error },
    );
  }
}
