import type { Clock } from "../clock.js";
import type { PlatformId } from "../config.js";
import type { AppContext } from "../context.js";
import { Api, resolveHosts } from "../platforms/http.js";
import { platforms } from "../platforms/index.js";
import type { OAuthClientSettings } from "../platforms/oauth.js";
import { isBotPlatform, type PlatformContext, type PlatformDefinition } from "../platforms/platform.js";

// Defined apart so that the app's context, which carries it, does not import this module back.
export type { SandboxTwin } from "./twin.js";

export type PlatformMode = "configured" | "sandbox" | "unavailable";

export interface PlatformAccess {
  definition: PlatformDefinition;
  mode: PlatformMode;
  hosts: Record<string, URL>;
  platformContext: PlatformContext;
  credentials?: { clientId: string; clientSecret: string };
  /** What to set for the platform to work, when it does not. */
  missingVariables: string[];
  timeoutMs: number;
  clock: Clock;
}

export function platformAccess(context: AppContext, id: PlatformId): PlatformAccess {
  const definition = platforms[id];
  const settings = context.config.platforms[id];
  const platformContext = { apiVersion: settings.apiVersion };
  const { clock } = context;
  const timeoutMs = context.config.platformTimeoutMs;
  const needsCredentials = !isBotPlatform(definition);
  const configured = !needsCredentials || Boolean(settings.credentials);
  const twin = context.sandboxTwin;
  if (configured && !(twin && !needsCredentials && !settings.baseUrl)) {
    return {
      definition,
      mode: "configured",
      hosts: resolveHosts(definition.realHosts, settings),
      platformContext,
      credentials: settings.credentials,
      missingVariables: [],
      timeoutMs,
      clock,
    };
  }
  if (twin) {
    return {
      definition,
      mode: "sandbox",
      hosts: resolveHosts(definition.realHosts, { baseUrl: twin.baseUrlFor(id, context.publicUrl()) }),
      platformContext,
      credentials: twin.credentialsFor(id),
      missingVariables: [],
      timeoutMs,
      clock,
    };
  }
  return {
    definition,
    mode: "unavailable",
    hosts: resolveHosts(definition.realHosts, settings),
    platformContext,
    missingVariables: settings.credentialVariables,
    timeoutMs,
    clock,
  };
}

/** Where a platform sends the browser back after consent. */
export function redirectUri(context: AppContext, platform: PlatformId): string {
  return new URL(`/api/auth/callback/${platform}`, context.publicUrl()).toString();
}

export function apiFor(access: PlatformAccess, options: { token?: string; signal?: AbortSignal } = {}): Api {
  return new Api({
    platform: access.definition.id,
    hosts: access.hosts,
    classify: access.definition.classify,
    timeoutMs: access.timeoutMs,
    clock: access.clock,
    ...options,
  });
}

export interface PlatformCall {
  api: Api;
  context: PlatformContext;
}

/** The Api and context for a call with a connection's token: a bot's travels in the path, an OAuth token in a header. */
export function platformCall(access: PlatformAccess, token: string, signal?: AbortSignal): PlatformCall {
  const bot = isBotPlatform(access.definition);
  return {
    api: apiFor(access, { ...(bot ? {} : { token }), ...(signal ? { signal } : {}) }),
    context: { ...access.platformContext, ...(bot ? { botToken: token } : {}) },
  };
}

export function oauthSettings(access: PlatformAccess): OAuthClientSettings | undefined {
  const { definition, credentials } = access;
  if (isBotPlatform(definition) || !credentials) return undefined;
  return {
    platform: definition.id,
    spec: definition.auth(access.platformContext),
    hosts: access.hosts,
    timeoutMs: access.timeoutMs,
    clock: access.clock,
    ...credentials,
  };
}
