import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { audited } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { connections } from "../db/schema.js";
import type { Account, GrantTokens } from "../platforms/platform.js";
import type { PlatformId } from "../platforms/profiles.js";
import { resolveConnectFailures } from "./errors.js";
import { resolveErrors, sealedTokens, type Connection } from "./store.js";

/** Who connects or disconnects, in which organization and from where: what the audit log records. */
export interface Actor {
  organizationId: string;
  user: { id: string; email: string };
  ip: string;
  userAgent: string | null;
}

/** The actor as an audit entry names it. */
export function auditOrigin(actor: Actor) {
  return {
    organizationId: actor.organizationId,
    actor: { userId: actor.user.id, email: actor.user.email },
    ip: actor.ip,
    userAgent: actor.userAgent,
  };
}

/** Stores one connection per account; an account connected before is reconnected in place, keeping its history. */
export async function saveConnections(
  context: AppContext,
  actor: Actor,
  options: {
    platform: PlatformId;
    variant?: string | null;
    isSandbox: boolean;
    grant: GrantTokens;
    accounts: Account[];
  },
): Promise<Connection[]> {
  const saved: Connection[] = [];
  for (const account of options.accounts) {
    // An account that comes with its own token (a Page, and the account behind it) is posted to with it; it does not expire.
    const tokens: GrantTokens = account.accessToken
      ? { accessToken: account.accessToken, scopes: options.grant.scopes }
      : options.grant;
    const [existing] = await context.db
      .select()
      .from(connections)
      .where(
        and(
          eq(connections.organizationId, actor.organizationId),
          eq(connections.platform, options.platform),
          eq(connections.externalId, account.externalId),
        ),
      );
    const id = existing?.id ?? randomUUID();
    const sealed = await sealedTokens(context, { id, organizationId: actor.organizationId }, tokens);
    const now = new Date(context.clock.now());
    const fields = {
      accountKind: account.kind,
      name: account.name,
      username: account.username ?? null,
      avatarUrl: account.avatarUrl ?? null,
      isSandbox: options.isSandbox,
      // Refresh and revocation must use the app that issued these tokens.
      variant: options.variant ?? null,
      status: "healthy" as const,
      ...sealed,
      // A reconnect without a refresh token must not keep the old grant's one.
      refreshTokenCiphertext: sealed.refreshTokenCiphertext ?? null,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt ?? null,
      details: account.details,
      lastSuccessAt: now,
      lastCheckedAt: now,
      errorCount: 0,
      rateLimitedUntil: null,
      connectedByUserId: actor.user.id,
      updatedAt: now,
      disconnectedAt: null,
    };
    const row = await audited(
      context.db,
      async (tx) => {
        const [row] = existing
          ? await tx.update(connections).set(fields).where(eq(connections.id, id)).returning()
          : await tx
              .insert(connections)
              .values({
                id,
                organizationId: actor.organizationId,
                platform: options.platform,
                externalId: account.externalId,
                ...fields,
              })
              .returning();
        await resolveErrors(tx, id, { clock: context.clock });
        await resolveConnectFailures(tx, { organizationId: actor.organizationId, platform: options.platform, at: now });
        return row!;
      },
      {
        action: existing ? "connection.reconnected" : "connection.connected",
        ...auditOrigin(actor),
        target: { type: "connection", id },
        details: { platform: options.platform, name: account.name, kind: account.kind, sandbox: options.isSandbox },
      },
    );
    saved.push(row);
  }
  return saved;
}
