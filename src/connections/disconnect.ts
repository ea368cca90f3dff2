import { eq } from "drizzle-orm";
import { audited } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { connections } from "../db/schema.js";
import { notFound } from "../errors.js";
import { revokeToken } from "../platforms/oauth.js";
import { PlatformError } from "../platforms/platform.js";
import { oauthSettings, platformAccess } from "./access.js";
import { auditOrigin, type Actor } from "./save.js";
import { openTokens, organizationConnection, resolveErrors } from "./store.js";

/** Revokes at the platform where that affects only this connection, then forgets the tokens. */
export async function disconnect(context: AppContext, actor: Actor, connectionId: string): Promise<void> {
  const connection = await organizationConnection(context.db, actor.organizationId, connectionId);
  if (!connection || connection.status === "disconnected") throw notFound("That connection");
  const access = platformAccess(context, connection.platform, connection.variant);
  const settings = oauthSettings(access, { organizationId: connection.organizationId, connectionId: connection.id });
  const tokens = await openTokens(context, connection);
  let revoked = false;
  // Platforms without a revocation endpoint in their spec are left alone: Meta's would remove the
  // app for every Page of the person, not this one; bots belong to the organization.
  if (settings?.spec.revokePath && tokens) {
    try {
      const token =
        settings.spec.revokes === "access_token" ? tokens.accessToken : (tokens.refreshToken ?? tokens.accessToken);
      await revokeToken(settings, token);
      revoked = true;
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
    }
  }
  const now = new Date(context.clock.now());
  await audited(
    context.db,
    async (tx) => {
      await tx
        .update(connections)
        .set({
          status: "disconnected",
          accessTokenCiphertext: null,
          refreshTokenCiphertext: null,
          tokenExpiresAt: null,
          refreshTokenExpiresAt: null,
          disconnectedAt: now,
          updatedAt: now,
        })
        .where(eq(connections.id, connection.id));
      await resolveErrors(tx, connection.id, { clock: context.clock });
    },
    {
      action: "connection.disconnected",
      ...auditOrigin(actor),
      target: { type: "connection", id: connection.id },
      details: { platform: connection.platform, name: connection.name, revokedAtPlatform: revoked },
    },
  );
}
