import type { Clock } from "../clock.js";
import type { PlatformId } from "../platforms/profiles.js";
import type { AppContext } from "../context.js";
import { Api, resolveHosts } from "../platforms/http.js";
import { platforms } from "../platforms/index.js";
import type { OAuthClientSettings } from "../platforms/oauth.js";
import { invalidInput } from "../errors.js";
import { isBotPlatform, type PlatformContext, type PlatformDefinition } from "../platforms/platform.js";
import type { ConnectVariant } from "../platforms/profile.js";
import type { PlatformCallRecord } from "../platforms/call-record.js";

// Defined apart so that the app's context, which carries it, does not import this module back.
export type { SandboxTwin } from "./twin.js";

export type PlatformMode = "configured" | "sandbox" | "unavailable";

export interface PlatformAccess {
  definition: PlatformDefinition;
  /** The connect variant (its app and scopes) this access is for, on platforms that have variants. */
  variant?: ConnectVariant;
  mode: PlatformMode;
  hosts: Record<string, URL>;
  platformContext: PlatformContext;
  credentials?: { clientId: string; clientSecret: string };
  /** What to set for the platform to work, when it does not. */
  missingVariables: string[];
  timeoutMs: number;
  clock: Clock;
  /** Where each call made through this access is reported. */
  observe: (call: PlatformCallRecord) => void;
}

/** The variant asked for, or the platform's first; undefined on platforms without variants. */
export function connectVariant(definition: PlatformDefinition, requested?: string | null): ConnectVariant | undefined {
  const variants = definition.connectVariants ?? [];
  if (variants.length === 0) {
    if (requested) throw invalidInput("unknown_variant", `${definition.name} has no connect choices.`, "variant");
    return undefined;
  }
  const variant = requested ? variants.find((candidate) => candidate.id === requested) : variants[0];
  if (!variant)
    throw invalidInput(
      "unknown_variant",
      `${definition.name} connects as ${variants.map((candidate) => candidate.id).join(" or ")}.`,
      "variant",
    );
  return variant;
}

export function platformAccess(context: AppContext, id: PlatformId, requestedVariant?: string | null): PlatformAccess {
  const definition = platforms[id];
  const settings = context.config.platforms[id];
  const variant = connectVariant(definition, requestedVariant);
  const app = variant ? settings.variants[variant.id]! : settings;
  const platformContext = { apiVersion: settings.apiVersion, ...(variant ? { variant: variant.id } : {}) };
  const { clock } = context;
  const timeoutMs = context.config.platformTimeoutMs;
  const needsCredentials = !isBotPlatform(definition);
  const configured = !needsCredentials || Boolean(app.credentials);
  const twin = context.sandboxTwin;
  const observe = (call: PlatformCallRecord) => context.platformCalls.record(call);
  const common = { definition, ...(variant ? { variant } : {}), platformContext, timeoutMs, clock, observe };
  if (configured && !(twin && !needsCredentials && !settings.baseUrl)) {
    return {
      ...common,
      mode: "configured",
      hosts: resolveHosts(definition.realHosts, settings),
      credentials: app.credentials,
      missingVariables: [],
    };
  }
  if (twin) {
    const sandbox = twin.baseUrlFor(id, context.publicUrl());
    return {
      ...common,
      mode: "sandbox",
      // The sandbox's posts are on the sandbox: their links point there, not to the real site.
      hosts: resolveHosts(definition.realHosts, { baseUrl: sandbox, webBaseUrl: sandbox }),
      credentials: twin.credentialsFor(id, variant?.id),
      missingVariables: [],
    };
  }
  return {
    ...common,
    mode: "unavailable",
    hosts: resolveHosts(definition.realHosts, settings),
    missingVariables: app.credentialVariables,
  };
}

/** Where a platform sends the browser back after consent. */
export function redirectUri(context: AppContext, platform: PlatformId): string {
  return new URL(`/api/auth/callback/${platform}`, context.publicUrl()).toString();
}

/** Whose call it is, for platform API health: the organization, and the connection when there is one. */
export interface CallSubject {
  organizationId: string;
  connectionId?: string;
}

export function apiFor(
  access: PlatformAccess,
  options: { token?: string; signal?: AbortSignal; subject?: CallSubject } = {},
): Api {
  const { subject, ...rest } = options;
  return new Api({
    platform: access.definition.id,
    hosts: access.hosts,
    classify: access.definition.classify,
    timeoutMs: access.timeoutMs,
    clock: access.clock,
    observe: (call) => access.observe({ ...call, ...subject }),
    ...rest,
  });
}

export interface PlatformCall {
  api: Api;
  context: PlatformContext;
}

/** The Api and context for a call with a connection's token: a bot's travels in the path, an OAuth token in a header. */
export function platformCall(
  access: PlatformAccess,
  token: string,
  subject: CallSubject,
  signal?: AbortSignal,
): PlatformCall {
  const bot = isBotPlatform(access.definition);
  return {
    api: apiFor(access, { ...(bot ? {} : { token }), subject, ...(signal ? { signal } : {}) }),
    context: { ...access.platformContext, ...(bot ? { botToken: token } : {}) },
  };
}

/** `subject`: whose token requests these are, for platform API health (none before a connection exists). */
export function oauthSettings(access: PlatformAccess, subject?: CallSubject): OAuthClientSettings | undefined {
  const { definition, credentials } = access;
  if (isBotPlatform(definition) || !credentials) return undefined;
  const spec = definition.auth(access.platformContext);
  return {
    platform: definition.id,
    spec: access.variant ? { ...spec, scopes: access.variant.scopes } : spec,
    hosts: access.hosts,
    timeoutMs: access.timeoutMs,
    clock: access.clock,
    observe: (call) => access.observe({ ...call, ...subject }),
    ...credentials,
  };
}
