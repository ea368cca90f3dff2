import { randomUUID } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { recordAudit } from "../audit/audit.js";
import { hashSecret } from "../auth/sessions.js";
import type { PlatformId } from "../config.js";
import { connectionErrors, connections, oauthAttempts, pendingGrants } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { AppError, notFound } from "../http/errors.js";
import {
  authorizeUrl,
  exchangeCode,
  exchangeGrant,
  newCodeVerifier,
  newState,
  revokeToken,
} from "../platforms/oauth.js";
import { isBotPlatform, PlatformError, type Account, type GrantTokens } from "../platforms/platform.js";
import { apiFor, oauthSettings, platformAccess, redirectUri, type PlatformAccess } from "./access.js";
import { describeFailure } from "./health.js";
import { openTokens, organizationConnection, resolveErrors, sealedTokens, type Connection } from "./store.js";

const ATTEMPT_TTL_MS = 10 * 60_000;
const GRANT_TTL_MS = 15 * 60_000;

export interface Actor {
  organizationId: string;
  user: { id: string; email: string };
  ip: string;
  userAgent: string | null;
}

function requireOAuth(access: PlatformAccess) {
  if (access.mode === "unavailable") {
    throw new AppError(
      409,
      "platform_not_configured",
      `${access.definition.name} is not configured on this server: set ${access.missingVariables.join(" and ")} and restart.`,
      "platform",
    );
  }
  const settings = oauthSettings(access);
  if (!settings || isBotPlatform(access.definition)) {
    throw new AppError(
      400,
      "not_oauth",
      `${access.definition.name} connects with a bot token, not a sign-in.`,
      "platform",
    );
  }
  return { settings, definition: access.definition };
}

/** Starts the OAuth dance: state bound to this session and organization, PKCE where the platform takes it. */
export async function beginConnect(
  context: AppContext,
  actor: Actor & { sessionIdHash: string },
  platform: PlatformId,
): Promise<URL> {
  const access = platformAccess(context, platform);
  const { settings } = requireOAuth(access);
  const state = newState();
  const stateHash = hashSecret(state);
  const codeVerifier = settings.spec.pkce ? newCodeVerifier() : undefined;
  await context.db.insert(oauthAttempts).values({
    stateHash,
    organizationId: actor.organizationId,
    userId: actor.user.id,
    sessionIdHash: actor.sessionIdHash,
    platform,
    isSandbox: access.mode === "sandbox",
    codeVerifierCiphertext: codeVerifier
      ? await context.vault.seal(
          { organizationId: actor.organizationId, record: `oauth:${stateHash}`, field: "code_verifier" },
          codeVerifier,
        )
      : null,
    redirectUri: redirectUri(context, platform),
    expiresAt: new Date(Date.now() + ATTEMPT_TTL_MS),
  });
  return authorizeUrl(settings, { redirectUri: redirectUri(context, platform), state, codeVerifier });
}

export type CallbackFailure =
  | "consent_denied"
  | "state_missing"
  | "state_mismatch"
  | "state_expired"
  | "state_used"
  | "code_rejected"
  | "not_configured"
  | "no_accounts"
  | "platform_unavailable";

export type CallbackOutcome =
  | { kind: "connected"; connectionIds: string[] }
  | { kind: "choose"; grantId: string }
  | { kind: "failed"; code: CallbackFailure; message: string };

/** Finishes the dance: checks the state, exchanges the code, and connects or offers a choice. */
export async function completeConnect(
  context: AppContext,
  options: {
    platform: PlatformId;
    callbackUrl: URL;
    sessionIdHash: string;
    user: { id: string; email: string };
    ip: string;
    userAgent: string | null;
  },
): Promise<CallbackOutcome> {
  const { platform, callbackUrl } = options;
  const state = callbackUrl.searchParams.get("state");
  if (!state)
    return {
      kind: "failed",
      code: "state_missing",
      message: "The platform came back without the state of this connection attempt. Start again from this page.",
    };
  const stateHash = hashSecret(state);
  const [attempt] = await context.db
    .select()
    .from(oauthAttempts)
    .where(and(eq(oauthAttempts.stateHash, stateHash), eq(oauthAttempts.platform, platform)));
  if (!attempt || attempt.sessionIdHash !== options.sessionIdHash || attempt.userId !== options.user.id) {
    return {
      kind: "failed",
      code: "state_mismatch",
      message:
        "This answer does not belong to a connection attempt of yours (it was started in another browser, or you signed out since). Start again from this page.",
    };
  }
  const [claimed] = await context.db
    .update(oauthAttempts)
    .set({ usedAt: new Date() })
    .where(and(eq(oauthAttempts.stateHash, stateHash), isNull(oauthAttempts.usedAt)))
    .returning();
  if (!claimed)
    return {
      kind: "failed",
      code: "state_used",
      message: "This sign-in answer was already used. Start again from this page.",
    };

  const actor: Actor = {
    organizationId: attempt.organizationId,
    user: options.user,
    ip: options.ip,
    userAgent: options.userAgent,
  };
  const access = platformAccess(context, platform);
  const name = access.definition.name;
  const fail = async (code: CallbackFailure, message: string): Promise<CallbackOutcome> => {
    await context.db
      .insert(connectionErrors)
      .values({ organizationId: attempt.organizationId, platform, errorType: "oauth", message });
    await recordAudit(context.db, {
      action: "connection.connect_failed",
      organizationId: attempt.organizationId,
      actor: actor.user && { userId: actor.user.id, email: actor.user.email },
      ip: actor.ip,
      userAgent: actor.userAgent,
      details: { platform, code, message },
    });
    return { kind: "failed", code, message };
  };

  if (attempt.expiresAt <= new Date())
    return fail("state_expired", `The ${name} sign-in took more than 10 minutes. Start again from this page.`);
  const denied = callbackUrl.searchParams.get("error");
  if (denied) {
    const description = callbackUrl.searchParams.get("error_description");
    return fail(
      "consent_denied",
      `${name} access was not granted${description ? ` (${description})` : ""}. Connect again and choose Allow to let MarketSage post for you.`,
    );
  }
  if (access.mode === "unavailable" || (access.mode === "sandbox") !== attempt.isSandbox) {
    return fail(
      "not_configured",
      `${name} is not configured on this server: set ${access.missingVariables.join(" and ") || "its credentials"} and restart.`,
    );
  }
  const { settings, definition } = requireOAuth(access);
  const codeVerifier = attempt.codeVerifierCiphertext
    ? await context.vault.open(
        { organizationId: attempt.organizationId, record: `oauth:${stateHash}`, field: "code_verifier" },
        attempt.codeVerifierCiphertext,
      )
    : undefined;

  let grant: GrantTokens;
  let accounts: Account[];
  try {
    grant = await exchangeCode(settings, {
      callbackUrl,
      expectedState: state,
      redirectUri: attempt.redirectUri,
      codeVerifier,
    });
    if (definition.upgradeGrant)
      grant = await definition.upgradeGrant(grant, (grantType, parameters) =>
        exchangeGrant(settings, grantType, parameters, grant),
      );
    accounts = await definition.listAccounts(apiFor(access, { token: grant.accessToken }), access.platformContext);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.failure.kind === "transient" || error.failure.kind === "ambiguous") {
      return fail(
        "platform_unavailable",
        `${name} did not answer properly (${error.message}). Try again in a few minutes.`,
      );
    }
    return fail(
      "code_rejected",
      `${name} refused the sign-in: ${describeFailure(error)} If this keeps happening, check that ${context.config.platforms[platform].variablePrefix}_CLIENT_SECRET belongs to the app and that the app's redirect URI is exactly ${attempt.redirectUri}.`,
    );
  }
  if (accounts.length === 0) return fail("no_accounts", access.definition.noAccountsMessage);
  if (accounts.length === 1) {
    const saved = await saveConnections(context, actor, { platform, isSandbox: attempt.isSandbox, grant, accounts });
    return { kind: "connected", connectionIds: saved.map((connection) => connection.id) };
  }
  const grantId = randomUUID();
  await context.db.insert(pendingGrants).values({
    id: grantId,
    organizationId: attempt.organizationId,
    userId: options.user.id,
    platform,
    isSandbox: attempt.isSandbox,
    grantCiphertext: await context.vault.seal(
      { organizationId: attempt.organizationId, record: `grant:${grantId}`, field: "grant" },
      JSON.stringify({ grant, accounts }),
    ),
    accounts: accounts.map(({ externalId, kind, name: accountName, username, avatarUrl }) => ({
      externalId,
      kind,
      name: accountName,
      username,
      avatarUrl,
    })),
    expiresAt: new Date(Date.now() + GRANT_TTL_MS),
  });
  return { kind: "choose", grantId };
}

/** Stores one connection per account; an account connected before is reconnected in place, keeping its history. */
export async function saveConnections(
  context: AppContext,
  actor: Actor,
  options: { platform: PlatformId; isSandbox: boolean; grant: GrantTokens; accounts: Account[] },
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
    const now = new Date();
    const fields = {
      accountKind: account.kind,
      name: account.name,
      username: account.username ?? null,
      avatarUrl: account.avatarUrl ?? null,
      isSandbox: options.isSandbox,
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
    const [row] = existing
      ? await context.db.update(connections).set(fields).where(eq(connections.id, id)).returning()
      : await context.db
          .insert(connections)
          .values({
            id,
            organizationId: actor.organizationId,
            platform: options.platform,
            externalId: account.externalId,
            ...fields,
          })
          .returning();
    await resolveErrors(context.db, id);
    await recordAudit(context.db, {
      action: existing ? "connection.reconnected" : "connection.connected",
      organizationId: actor.organizationId,
      actor: { userId: actor.user.id, email: actor.user.email },
      ip: actor.ip,
      userAgent: actor.userAgent,
      target: { type: "connection", id },
      details: { platform: options.platform, name: account.name, kind: account.kind, sandbox: options.isSandbox },
    });
    saved.push(row!);
  }
  return saved;
}

export async function pendingGrant(context: AppContext, organizationId: string, grantId: string) {
  const [grant] = await context.db
    .select()
    .from(pendingGrants)
    .where(
      and(
        eq(pendingGrants.id, grantId),
        eq(pendingGrants.organizationId, organizationId),
        gt(pendingGrants.expiresAt, new Date()),
      ),
    );
  if (!grant) throw notFound("That account choice (it lasts 15 minutes)");
  return grant;
}

export async function chooseAccounts(
  context: AppContext,
  actor: Actor,
  grantId: string,
  externalIds: string[],
): Promise<Connection[]> {
  const pending = await pendingGrant(context, actor.organizationId, grantId);
  const { grant, accounts } = JSON.parse(
    await context.vault.open(
      { organizationId: actor.organizationId, record: `grant:${grantId}`, field: "grant" },
      pending.grantCiphertext,
    ),
  ) as { grant: GrantTokens & { expiresAt?: string; refreshTokenExpiresAt?: string }; accounts: Account[] };
  const chosen = accounts.filter((account) => externalIds.includes(account.externalId));
  const unknown = externalIds.filter((id) => !accounts.some((account) => account.externalId === id));
  if (chosen.length === 0 || unknown.length > 0)
    throw new AppError(400, "invalid_choice", "Choose at least one of the accounts offered.", "externalIds");
  const saved = await saveConnections(context, actor, {
    platform: pending.platform,
    isSandbox: pending.isSandbox,
    grant: {
      ...grant,
      expiresAt: grant.expiresAt ? new Date(grant.expiresAt) : undefined,
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt ? new Date(grant.refreshTokenExpiresAt) : undefined,
    },
    accounts: chosen,
  });
  await context.db.delete(pendingGrants).where(eq(pendingGrants.id, grantId));
  return saved;
}

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
    throw new AppError(400, "not_bot", `${definition.name} connects with a sign-in, not a bot token.`, "platform");
  const form = definition.bot;
  if (!form.token.pattern.test(options.botToken))
    throw new AppError(400, "invalid_bot_token", `botToken ${form.token.message}`, "botToken");
  if (!form.chat.pattern.test(options.chat))
    throw new AppError(400, "invalid_chat", `chat ${form.chat.message}`, "chat");
  let account: Account;
  try {
    account = await definition.verifyChannel(apiFor(access), options.botToken, options.chat);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const field = error.failure.kind === "token_invalid" && error.status === 401 ? "botToken" : "chat";
    const message = error.status === 401 ? form.unknownToken : describeFailure(error);
    throw new AppError(
      error.failure.kind === "transient" ? 502 : 400,
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

/** Revokes at the platform where that affects only this connection, then forgets the tokens. */
export async function disconnect(context: AppContext, actor: Actor, connectionId: string): Promise<void> {
  const connection = await organizationConnection(context.db, actor.organizationId, connectionId);
  if (!connection || connection.status === "disconnected") throw notFound("That connection");
  const access = platformAccess(context, connection.platform);
  const settings = oauthSettings(access);
  const tokens = await openTokens(context, connection);
  let revoked = false;
  // Platforms without a revocation endpoint in their spec are left alone: Meta's would remove the
  // app for every Page of the person, not this one; bots belong to the organization.
  if (settings?.spec.revokePath && tokens) {
    try {
      await revokeToken(settings, tokens.refreshToken ?? tokens.accessToken);
      revoked = true;
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
    }
  }
  const now = new Date();
  await context.db
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
  await resolveErrors(context.db, connection.id);
  await recordAudit(context.db, {
    action: "connection.disconnected",
    organizationId: actor.organizationId,
    actor: { userId: actor.user.id, email: actor.user.email },
    ip: actor.ip,
    userAgent: actor.userAgent,
    target: { type: "connection", id: connection.id },
    details: { platform: connection.platform, name: connection.name, revokedAtPlatform: revoked },
  });
}
