import { and, eq } from "drizzle-orm";
import { systemClock, type Clock } from "../clock.js";
import type { Database, Transaction } from "../db/client.js";
import { connectionErrors, connections } from "../db/schema.js";
import type { AppContext } from "../context.js";
import type { GrantTokens } from "../platforms/platform.js";

export type Connection = typeof connections.$inferSelect;

const sealBinding = (
  connection: Pick<Connection, "id" | "organizationId">,
  field: "access_token" | "refresh_token",
) => ({
  organizationId: connection.organizationId,
  record: `connection:${connection.id}`,
  field,
});

/** Seals a grant's tokens for this connection row; a missing refresh token keeps the stored one. */
export async function sealedTokens(
  context: AppContext,
  connection: Pick<Connection, "id" | "organizationId">,
  grant: GrantTokens,
) {
  return {
    accessTokenCiphertext: await context.vault.seal(sealBinding(connection, "access_token"), grant.accessToken),
    ...(grant.refreshToken
      ? {
          refreshTokenCiphertext: await context.vault.seal(
            sealBinding(connection, "refresh_token"),
            grant.refreshToken,
          ),
        }
      : {}),
    tokenExpiresAt: grant.expiresAt ?? null,
    ...(grant.refreshTokenExpiresAt ? { refreshTokenExpiresAt: grant.refreshTokenExpiresAt } : {}),
    scopes: grant.scopes,
  };
}

export async function openTokens(context: AppContext, connection: Connection): Promise<GrantTokens | undefined> {
  if (!connection.accessTokenCiphertext) return undefined;
  return {
    accessToken: await context.vault.open(sealBinding(connection, "access_token"), connection.accessTokenCiphertext),
    refreshToken: connection.refreshTokenCiphertext
      ? await context.vault.open(sealBinding(connection, "refresh_token"), connection.refreshTokenCiphertext)
      : undefined,
    expiresAt: connection.tokenExpiresAt ?? undefined,
    refreshTokenExpiresAt: connection.refreshTokenExpiresAt ?? undefined,
    scopes: connection.scopes,
  };
}

export async function connectionById(db: Database, id: string): Promise<Connection | undefined> {
  const [row] = await db.select().from(connections).where(eq(connections.id, id));
  return row;
}

/** A connection of this organization; another organization's id is simply not found. */
export async function organizationConnection(
  db: Database,
  organizationId: string,
  id: string,
): Promise<Connection | undefined> {
  const [row] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, id), eq(connections.organizationId, organizationId)));
  return row;
}

/** Files a connection's open errors as resolved, at the app's time (the system's for a caller that passes none). */
export async function resolveErrors(
  db: Database | Transaction,
  connectionId: string,
  options: { clock?: Clock } = {},
): Promise<void> {
  await db
    .update(connectionErrors)
    .set({ resolved: true, resolvedAt: new Date((options.clock ?? systemClock).now()) })
    .where(and(eq(connectionErrors.connectionId, connectionId), eq(connectionErrors.resolved, false)));
}

/** What the API shows of a connection: everything but its tokens. */
export function connectionView(connection: Connection) {
  return {
    id: connection.id,
    platform: connection.platform,
    variant: connection.variant,
    externalId: connection.externalId,
    accountKind: connection.accountKind,
    name: connection.name,
    username: connection.username,
    avatarUrl: connection.avatarUrl,
    isSandbox: connection.isSandbox,
    status: connection.status,
    lastSuccessAt: connection.lastSuccessAt,
    lastCheckedAt: connection.lastCheckedAt,
    lastRefreshedAt: connection.lastRefreshedAt,
    tokenExpiresAt: connection.tokenExpiresAt,
    refreshable: Boolean(connection.refreshTokenCiphertext),
    errorCount: connection.errorCount,
    lastError: connection.lastError,
    lastErrorAt: connection.lastErrorAt,
    rateLimitedUntil: connection.rateLimitedUntil,
    scopes: connection.scopes,
    createdAt: connection.createdAt,
    disconnectedAt: connection.disconnectedAt,
  };
}
