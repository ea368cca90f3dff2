import { and, count, eq, gt, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { FastifyReply, FastifyRequest } from "fastify";
import { recordAudit } from "../audit/audit.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/client.js";
import { auditEvents } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { DomainError } from "../errors.js";
import { hashSecret, newSecret } from "./sessions.js";

/**
 * Sign-in throttling that stops whoever guesses, not the account's owner.
 *
 * - Failures count per email and address. Five from one address lock that address out of that
 *   email for the window, right password or not; the owner elsewhere signs in as usual.
 * - A browser that has signed in to the account before carries a device cookie; its failures
 *   count per device instead, so an attacker sharing the owner's address cannot lock the owner.
 * - Guessing spread over many addresses: once the email's failures from everywhere reach
 *   ACCOUNT_WIDE_FACTOR times the limit, only the account's known devices get in (and a
 *   browser already signed in as the account).
 * Failures are the audit log's `auth.sign_in_failed` events, so the counts hold across API
 * processes; a device is known when one of the account's sign-ins recorded its hash.
 */
export const DEVICE_COOKIE = "msdevice";
const DEVICE_COOKIE_PATH = "/api/auth";
const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3_600;
const ACCOUNT_WIDE_FACTOR = 4;
const DEVICE_SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface ThrottleLimits {
  failuresPerAddress: number;
  windowMs: number;
}

/** The hash of the device cookie the browser presents, when it looks like one we issued. */
export function presentedDevice(request: FastifyRequest): string | undefined {
  const secret = request.cookies[DEVICE_COOKIE];
  return secret && DEVICE_SECRET.test(secret) ? hashSecret(secret) : undefined;
}

/** Whether one of the user's sign-ins (or their sign-up) was made from this device. */
export async function isKnownDevice(db: Database, userId: string, deviceHash: string): Promise<boolean> {
  const [row] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        inArray(auditEvents.action, ["auth.signed_in", "auth.signed_up"]),
        eq(auditEvents.actorUserId, userId),
        sql`${auditEvents.details}->>'device' = ${deviceHash}`,
      ),
    )
    .limit(1);
  return Boolean(row);
}

async function failuresSince(db: Database, windowStart: Date, where: SQL | undefined): Promise<number> {
  const [row] = await db
    .select({ failures: count() })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, "auth.sign_in_failed"), gt(auditEvents.createdAt, windowStart), where));
  return row?.failures ?? 0;
}

function tooMany(reply: FastifyReply, limits: ThrottleLimits, message: string): DomainError {
  const retryAfterSeconds = Math.ceil(limits.windowMs / 1000);
  reply.header("retry-after", String(retryAfterSeconds));
  return new DomainError(
    "throttled",
    "too_many_attempts",
    `${message} Try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
    "email",
  );
}

/**
 * Throws a 429 when this attempt must not be checked at all. `knownDevice` is the presented
 * device's hash when the account knows it; `signedInAsOwner` when the browser's session is the
 * account's. The window ends now by the app's clock (the system's when the caller passes none).
 */
export async function assertMaySignIn(
  db: Database,
  reply: FastifyReply,
  attempt: {
    email: string;
    ip: string;
    knownDevice?: string;
    signedInAsOwner: boolean;
    limits: ThrottleLimits;
    clock: Clock;
  },
): Promise<void> {
  if (attempt.signedInAsOwner) return;
  const { limits } = attempt;
  const windowStart = new Date(attempt.clock.now() - limits.windowMs);
  const forEmail = sql`${auditEvents.details}->>'email' = ${attempt.email}`;
  if (attempt.knownDevice) {
    const fromDevice = await failuresSince(
      db,
      windowStart,
      and(forEmail, sql`${auditEvents.details}->>'device' = ${attempt.knownDevice}`),
    );
    if (fromDevice >= limits.failuresPerAddress)
      throw tooMany(reply, limits, "Too many failed sign-ins on this device.");
    return;
  }
  const fromAddress = await failuresSince(
    db,
    windowStart,
    and(forEmail, eq(auditEvents.ip, attempt.ip), isNull(sql`${auditEvents.details}->>'device'`)),
  );
  if (fromAddress >= limits.failuresPerAddress)
    throw tooMany(reply, limits, "Too many failed sign-ins for this email from this address.");
  const fromEverywhere = await failuresSince(db, windowStart, forEmail);
  if (fromEverywhere >= limits.failuresPerAddress * ACCOUNT_WIDE_FACTOR) {
    throw tooMany(
      reply,
      limits,
      "Too many failed sign-ins for this account from many addresses: sign in from a device you have used before.",
    );
  }
}

export async function recordSignInFailure(
  db: Database,
  failure: {
    email: string;
    user?: { id: string; email: string };
    knownDevice?: string;
    ip: string;
    userAgent: string | null;
  },
): Promise<void> {
  await recordAudit(db, {
    action: "auth.sign_in_failed",
    actor: failure.user ? { userId: failure.user.id, email: failure.user.email } : null,
    ip: failure.ip,
    userAgent: failure.userAgent,
    details: { email: failure.email, ...(failure.knownDevice ? { device: failure.knownDevice } : {}) },
  });
}

/**
 * Gives the browser a device cookie (keeping the one it has) and answers its hash, which the
 * sign-in's audit event records: from then on this device is known to the account.
 */
export function rememberDevice(request: FastifyRequest, reply: FastifyReply, context: AppContext): string {
  const presented = request.cookies[DEVICE_COOKIE];
  const secret = presented && DEVICE_SECRET.test(presented) ? presented : newSecret();
  reply.setCookie(DEVICE_COOKIE, secret, {
    path: DEVICE_COOKIE_PATH,
    httpOnly: true,
    sameSite: "lax",
    secure: context.publicUrl().protocol === "https:",
    maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
  });
  return hashSecret(secret);
}
