import { eq, sql } from "drizzle-orm";
import { audited, type AuditEntry } from "../audit/audit.js";
import { connections } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { refreshGrant } from "../platforms/oauth.js";
import { assertNever, PlatformError, type PlatformFailure } from "../platforms/platform.js";
import { oauthSettings, platformAccess, platformCall, type PlatformCall } from "./access.js";
import { fileError, type ErrorType } from "./errors.js";
import { connectionById, openTokens, resolveErrors, sealedTokens, type Connection } from "./store.js";

/** What a failure does to a connection: its status, and how the error is filed. */
function consequence(failure: PlatformFailure): {
  status?: Connection["status"];
  errorType: ErrorType;
  rateLimitedUntil?: Date;
} {
  switch (failure.kind) {
    case "token_expired":
      return { status: "expired", errorType: "token" };
    case "token_invalid":
      return { status: "invalid", errorType: "token" };
    case "rate_limited":
      return { status: "rate_limited", errorType: "rate_limit", rateLimitedUntil: failure.retryAt };
    case "rejected":
    case "transient":
    case "ambiguous":
      return { errorType: "api" };
    default:
      return assertNever(failure);
  }
}

export function describeFailure(error: PlatformError): string {
  const { failure } = error;
  switch (failure.kind) {
    case "token_expired":
      return "The access token expired and could not be renewed: reconnect the account.";
    case "token_invalid":
      return `The platform no longer accepts this connection (${failure.reason}): reconnect the account.`;
    case "rate_limited":
      return `Rate limited by the platform until ${failure.retryAt.toISOString()}.`;
    case "rejected":
      return failure.userMessage;
    case "transient":
    case "ambiguous":
      return `The platform did not answer properly (${error.message}); it will be tried again.`;
    default:
      return assertNever(failure);
  }
}

function statusChange(connection: Connection, to: Connection["status"], reason?: string): AuditEntry | null {
  if (to === connection.status) return null;
  return {
    action: "connection.status_changed",
    organizationId: connection.organizationId,
    target: { type: "connection", id: connection.id },
    details: {
      platform: connection.platform,
      name: connection.name,
      from: connection.status,
      to,
      ...(reason ? { reason } : {}),
    },
  };
}

export async function recordFailure(
  context: AppContext,
  connection: Connection,
  error: PlatformError,
): Promise<Connection["status"]> {
  const effect = consequence(error.failure);
  const message = describeFailure(error);
  const now = new Date(context.clock.now());
  await audited(
    context.db,
    async (tx) => {
      await tx
        .update(connections)
        .set({
          ...(effect.status ? { status: effect.status } : {}),
          ...(effect.rateLimitedUntil ? { rateLimitedUntil: effect.rateLimitedUntil } : {}),
          errorCount: sql`${connections.errorCount} + 1`,
          lastError: message,
          lastErrorAt: now,
          lastCheckedAt: now,
          updatedAt: now,
        })
        .where(eq(connections.id, connection.id));
      await fileError(tx, {
        organizationId: connection.organizationId,
        connectionId: connection.id,
        platform: connection.platform,
        errorType: effect.errorType,
        message,
        at: now,
      });
    },
    effect.status ? statusChange(connection, effect.status, message) : null,
  );
  return effect.status ?? connection.status;
}

/** Tokens to store come sealed already: the vault reads through its own connection, which must not wait on this transaction. */
export async function recordSuccess(
  context: AppContext,
  connection: Connection,
  changes: Partial<typeof connections.$inferInsert> = {},
  entry: AuditEntry | null = null,
) {
  const now = new Date(context.clock.now());
  await audited(
    context.db,
    async (tx) => {
      await tx
        .update(connections)
        .set({
          status: "healthy",
          lastSuccessAt: now,
          lastCheckedAt: now,
          errorCount: 0,
          rateLimitedUntil: null,
          updatedAt: now,
          ...changes,
        })
        .where(eq(connections.id, connection.id));
      await resolveErrors(tx, connection.id, { clock: context.clock });
    },
    [statusChange(connection, "healthy"), entry],
  );
}

/**
 * `refused`: the platform says the grant is gone (the connection is now invalid or expired);
 * `unavailable`: the token endpoint could not be used just now (5xx, timeout, a garbled or
 * rate-limited answer, the app's own credentials refused): the connection keeps its status and
 * the next try may succeed.
 */
export type RefreshOutcome = "refreshed" | "not_due" | "not_refreshable" | "refused" | "unavailable";

/**
 * Renews a connection's tokens under its lock. X rotates refresh tokens, so two refreshes at
 * once would spend the same one twice and lose the connection: the second one, once it has
 * the lock, finds the token fresh and stops.
 */
export async function refreshConnection(
  context: AppContext,
  connectionId: string,
  options: { force?: boolean } = {},
): Promise<RefreshOutcome> {
  const askedAt = context.clock.now();
  const seen = await connectionById(context.db, connectionId);
  return context.locks.run(`connection-refresh:${connectionId}`, async (lease) => {
    const connection = await connectionById(context.db, connectionId);
    if (
      !connection ||
      connection.status === "disconnected" ||
      connection.status === "invalid" ||
      !connection.refreshTokenCiphertext
    )
      return "not_refreshable";
    // Another worker renewed the tokens since this renewal was asked for (while it waited for a
    // database client or for the lock): nothing left to do, and a rotated refresh token is not spent twice.
    if (seen?.accessTokenCiphertext !== connection.accessTokenCiphertext) return "not_due";
    if (connection.lastRefreshedAt && connection.lastRefreshedAt.getTime() >= askedAt) return "not_due";
    const dueAt = context.clock.now() + context.config.connections.refreshAheadMs;
    if (!options.force && connection.tokenExpiresAt && connection.tokenExpiresAt.getTime() > dueAt) return "not_due";
    const access = platformAccess(context, connection.platform, connection.variant);
    const settings = oauthSettings(access, callSubject(connection));
    const tokens = await openTokens(context, connection);
    if (!settings || !tokens) return "not_refreshable";
    try {
      const renewed = await refreshGrant(settings, tokens);
      await recordSuccess(
        context,
        connection,
        { ...(await sealedTokens(context, connection, renewed)), lastRefreshedAt: new Date(context.clock.now()) },
        {
          action: "connection.token_refreshed",
          organizationId: connection.organizationId,
          target: { type: "connection", id: connection.id },
          details: {
            platform: connection.platform,
            name: connection.name,
            expiresAt: renewed.expiresAt?.toISOString() ?? null,
          },
        },
      );
      context.metrics.tokenRefreshes.inc({ platform: connection.platform, outcome: "refreshed" });
      return "refreshed";
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      // The lock goes with its database session (a server restart), so another process may have
      // renewed meanwhile with the same refresh token, which a rotating platform then refuses to
      // us: its tokens stand, or are about to, and ours is no sign the grant is gone.
      const current = await connectionById(context.db, connectionId);
      if (current && current.refreshTokenCiphertext !== connection.refreshTokenCiphertext) return "not_due";
      if (!lease.held()) return "unavailable";
      await recordFailure(context, connection, error);
      const refused = error.failure.kind === "token_invalid" || error.failure.kind === "token_expired";
      const outcome = refused ? "refused" : "unavailable";
      context.metrics.tokenRefreshes.inc({ platform: connection.platform, outcome });
      return outcome;
    }
  });
}

/**
 * A token refused right after it was renewed is most likely one the platform has not spread to
 * all its servers yet: filed as an error, retried, and no reason to call the connection expired.
 */
export function notYetPropagated(error: PlatformError): PlatformError {
  return new PlatformError(
    error.platform,
    { kind: "transient" },
    { message: `the renewed token was refused at once (${error.message})`, status: error.status, cause: error },
  );
}

const callSubject = (connection: Connection) => ({
  organizationId: connection.organizationId,
  connectionId: connection.id,
});

/** A cheap call with the connection's token; an expired token is refreshed once first. */
export async function checkConnection(
  context: AppContext,
  connectionId: string,
  options: { afterRefresh?: boolean } = {},
): Promise<Connection["status"] | undefined> {
  const connection = await connectionById(context.db, connectionId);
  if (!connection || connection.status === "disconnected") return connection?.status;
  const access = platformAccess(context, connection.platform, connection.variant);
  const tokens = await openTokens(context, connection);
  if (!tokens) return connection.status;
  const account = { externalId: connection.externalId, details: connection.details };
  try {
    const { api, context: platformContext } = platformCall(access, tokens.accessToken, callSubject(connection));
    await access.definition.checkHealth(api, account, platformContext);
    await recordSuccess(context, connection);
    return "healthy";
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.failure.kind === "token_expired" && options.afterRefresh)
      return recordFailure(context, connection, notYetPropagated(error));
    if (error.failure.kind === "token_expired" && connection.refreshTokenCiphertext) {
      const outcome = await refreshConnection(context, connection.id, { force: true });
      if (outcome === "refreshed") return checkConnection(context, connection.id, { afterRefresh: true });
      return (await connectionById(context.db, connection.id))?.status;
    }
    return recordFailure(context, connection, error);
  }
}

/**
 * A call with the connection's token; when the platform says the token expired, the token is
 * renewed (under the connection's lock) and the call made once more. What is thrown then says
 * what to do: `token_expired`/`token_invalid` (the grant is gone: reconnect), `transient` (the
 * token could not be renewed just now, or the renewed one was refused at once: try later).
 */
export async function withFreshToken<T>(
  context: AppContext,
  connection: Connection,
  options: { signal?: AbortSignal },
  call: (platform: PlatformCall) => Promise<T>,
): Promise<T> {
  const access = platformAccess(context, connection.platform, connection.variant);
  const tokens = await openTokens(context, connection);
  if (!tokens)
    throw new PlatformError(
      access.definition.id,
      { kind: "token_invalid", reason: "the connection holds no token" },
      { message: "no token stored" },
    );
  try {
    return await call(platformCall(access, tokens.accessToken, callSubject(connection), options.signal));
  } catch (error) {
    if (!(error instanceof PlatformError) || error.failure.kind !== "token_expired") throw error;
    const outcome = await refreshConnection(context, connection.id, { force: true });
    if (outcome === "unavailable")
      throw new PlatformError(
        error.platform,
        { kind: "transient" },
        { message: "the expired token could not be renewed just now", cause: error },
      );
    if (outcome !== "refreshed" && outcome !== "not_due") throw error;
    const renewed = await connectionById(context.db, connection.id);
    const renewedTokens = renewed && (await openTokens(context, renewed));
    if (!renewedTokens) throw error;
    try {
      return await call(platformCall(access, renewedTokens.accessToken, callSubject(connection), options.signal));
    } catch (retryError) {
      if (retryError instanceof PlatformError && retryError.failure.kind === "token_expired")
        throw notYetPropagated(retryError);
      throw retryError;
    }
  }
}
