import { and, eq, isNull } from "drizzle-orm";
import { audited } from "../audit/audit.js";
import { hashSecret } from "../auth/sessions.js";
import type { AppContext } from "../context.js";
import { oauthAttempts } from "../db/schema.js";
import { conflict, invalidInput } from "../errors.js";
import { authorizeUrl, exchangeCode, exchangeGrant, newCodeVerifier, newState } from "../platforms/oauth.js";
import { UNVERIFIED } from "../platforms/oauth-verification.js";
import { isBotPlatform, PlatformError, type Account, type GrantTokens } from "../platforms/platform.js";
import type { PlatformId } from "../platforms/profiles.js";
import { fileError } from "./errors.js";
import { apiFor, oauthSettings, platformAccess, redirectUri, type CallSubject, type PlatformAccess } from "./access.js";
import { offerChoice } from "./grants.js";
import { describeFailure } from "./health.js";
import { auditOrigin, saveConnections, type Actor } from "./save.js";

const ATTEMPT_TTL_MS = 10 * 60_000;

/** The variable naming the app this connect goes through. */
function clientIdVariable(context: AppContext, platform: PlatformId, access: PlatformAccess): string {
  const settings = context.config.platforms[platform];
  const own = access.variant?.credentialsPrefix;
  return own
    ? `${own}_CLIENT_ID (${settings.credentialVariables[0]} while it is unset)`
    : settings.credentialVariables[0]!;
}

/** The variable holding the secret of the app this connect went through. */
function secretVariable(context: AppContext, platform: PlatformId, access: PlatformAccess): string {
  const platformSecret = `${context.config.platforms[platform].variablePrefix}_CLIENT_SECRET`;
  const own = access.variant?.credentialsPrefix;
  return own ? `${own}_CLIENT_SECRET (${platformSecret} while it is unset)` : platformSecret;
}

function requireOAuth(access: PlatformAccess, subject?: CallSubject) {
  if (access.mode === "unavailable") {
    throw conflict(
      "platform_not_configured",
      `${access.definition.name} is not configured on this server: set ${access.missingVariables.join(" and ")} and restart.`,
      "platform",
    );
  }
  const settings = oauthSettings(access, subject);
  if (!settings || isBotPlatform(access.definition)) {
    throw invalidInput("not_oauth", `${access.definition.name} connects with a bot token, not a sign-in.`, "platform");
  }
  return { settings, definition: access.definition };
}

/** Starts the OAuth dance: state bound to this session and organization, PKCE where the platform takes it. */
export async function beginConnect(
  context: AppContext,
  actor: Actor & { sessionIdHash: string },
  platform: PlatformId,
  variant?: string,
): Promise<URL> {
  const access = platformAccess(context, platform, variant);
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
    variant: access.variant?.id ?? null,
    isSandbox: access.mode === "sandbox",
    codeVerifierCiphertext: codeVerifier
      ? await context.vault.seal(
          { organizationId: actor.organizationId, record: `oauth:${stateHash}`, field: "code_verifier" },
          codeVerifier,
        )
      : null,
    redirectUri: redirectUri(context, platform),
    expiresAt: new Date(context.clock.now() + ATTEMPT_TTL_MS),
  });
  return authorizeUrl(settings, { redirectUri: redirectUri(context, platform), state, codeVerifier });
}

export type CallbackFailure =
  | "consent_denied"
  | "authorization_refused"
  | "state_missing"
  | "state_mismatch"
  | "state_expired"
  | "state_used"
  | "code_rejected"
  | "answer_unverified"
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
    .set({ usedAt: new Date(context.clock.now()) })
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
  const access = platformAccess(context, platform, attempt.variant);
  const name = access.variant?.label ?? access.definition.name;
  const fail = async (code: CallbackFailure, message: string): Promise<CallbackOutcome> => {
    await audited(
      context.db,
      async (tx) => {
        await fileError(tx, {
          organizationId: attempt.organizationId,
          platform,
          errorType: "oauth",
          message,
          at: new Date(context.clock.now()),
        });
      },
      { action: "connection.connect_failed", ...auditOrigin(actor), details: { platform, code, message } },
    );
    return { kind: "failed", code, message };
  };

  if (attempt.expiresAt.getTime() <= context.clock.now())
    return fail("state_expired", `The ${name} sign-in took more than 10 minutes. Start again from this page.`);
  const refusal = callbackUrl.searchParams.get("error");
  if (refusal) {
    const description = callbackUrl.searchParams.get("error_description");
    if ((oauthSettings(access)?.spec.declinedErrors ?? ["access_denied"]).includes(refusal))
      return fail(
        "consent_denied",
        `${name} access was not granted${description ? ` (${description})` : ""}. Connect again and choose Allow to let MarketSage post for you.`,
      );
    // The platform turned the request down before anyone was asked: the app at the platform is not set up for it.
    return fail(
      "authorization_refused",
      `${name} refused the request itself (${description ?? refusal}). Check that the app behind ${clientIdVariable(context, platform, access)} is provisioned for what this connection asks.`,
    );
  }
  if (access.mode === "unavailable" || (access.mode === "sandbox") !== attempt.isSandbox) {
    return fail(
      "not_configured",
      `${name} is not configured on this server: set ${access.missingVariables.join(" and ") || "its credentials"} and restart.`,
    );
  }
  const { settings, definition } = requireOAuth(access, { organizationId: attempt.organizationId });
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
    accounts = await definition.listAccounts(
      apiFor(access, { token: grant.accessToken, subject: { organizationId: attempt.organizationId } }),
      access.platformContext,
    );
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.failure.kind === "transient" || error.failure.kind === "ambiguous") {
      return fail(
        "platform_unavailable",
        `${name} did not answer properly (${error.message}). Try again in a few minutes.`,
      );
    }
    if (error.failure.kind === "rate_limited") {
      return fail(
        "platform_unavailable",
        `${name} is turning requests away for now (too many at once). Try again after ${error.failure.retryAt.toISOString()}.`,
      );
    }
    // An answer that failed verification is not a wrong secret: saying what disagreed is the whole help.
    if (error.platformCode === UNVERIFIED && error.failure.kind === "rejected") {
      return fail("answer_unverified", `${error.failure.userMessage} Nothing was connected.`);
    }
    return fail(
      "code_rejected",
      `${name} refused the sign-in: ${describeFailure(error)} If this keeps happening, check that ${secretVariable(context, platform, access)} belongs to the app and that the app's redirect URI is exactly ${attempt.redirectUri}.`,
    );
  }
  if (accounts.length === 0) return fail("no_accounts", access.definition.noAccountsMessage);
  if (accounts.length === 1) {
    const saved = await saveConnections(context, actor, {
      platform,
      variant: attempt.variant,
      isSandbox: attempt.isSandbox,
      grant,
      accounts,
    });
    return { kind: "connected", connectionIds: saved.map((connection) => connection.id) };
  }
  const grantId = await offerChoice(context, {
    organizationId: attempt.organizationId,
    userId: options.user.id,
    platform,
    variant: attempt.variant,
    isSandbox: attempt.isSandbox,
    grant,
    accounts,
  });
  return { kind: "choose", grantId };
}
