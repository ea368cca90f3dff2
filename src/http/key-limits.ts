import type { FastifyReply } from "fastify";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { apiKeyRequestWindows } from "../db/schema.js";
import { AppError } from "./errors.js";

const WINDOW_MS = 60_000;

/**
 * Counts a key's request against its budget for the current minute (a fixed window by the app's
 * clock) in one statement on the shared database, so every API process draws on the same budget.
 * Answers with the RateLimit header fields (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` in seconds, and the policy), and over budget with a 429
 * and `Retry-After`. A refused request still counts: a client hammering through its 429s stays
 * refused until the window ends.
 */
export async function countKeyRequest(
  db: Database,
  reply: FastifyReply,
  options: { apiKeyId: string; clock: Clock; requestsPerMinute: number },
): Promise<void> {
  const now = options.clock.now();
  const windowStart = new Date(now - (now % WINDOW_MS));
  const [counted] = await db
    .insert(apiKeyRequestWindows)
    .values({ apiKeyId: options.apiKeyId, windowStart, requests: 1 })
    .onConflictDoUpdate({
      target: [apiKeyRequestWindows.apiKeyId, apiKeyRequestWindows.windowStart],
      set: { requests: sql`${apiKeyRequestWindows.requests} + 1` },
    })
    .returning({ requests: apiKeyRequestWindows.requests });
  const requests = counted?.requests ?? 1;
  // The window's first request clears the key's earlier ones: a key keeps one or two rows.
  if (requests === 1) {
    await db
      .delete(apiKeyRequestWindows)
      .where(
        and(eq(apiKeyRequestWindows.apiKeyId, options.apiKeyId), lt(apiKeyRequestWindows.windowStart, windowStart)),
      );
  }
  const limit = options.requestsPerMinute;
  const resetSeconds = Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000));
  reply.header("ratelimit-policy", `${limit};w=${WINDOW_MS / 1000}`);
  reply.header("ratelimit-limit", String(limit));
  reply.header("ratelimit-remaining", String(Math.max(0, limit - requests)));
  reply.header("ratelimit-reset", String(resetSeconds));
  if (requests > limit) {
    reply.header("retry-after", String(resetSeconds));
    throw new AppError(
      429,
      "rate_limited",
      `This API key has made its ${limit} requests for this minute. Try again in ${resetSeconds} seconds.`,
    );
  }
}
