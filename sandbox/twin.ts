import type { FastifyPluginAsync } from "fastify";
import type { SandboxTwin } from "../src/connections/access.js";
import type { PlatformId } from "../src/config.js";
import { createSandboxContext, sandboxRoutes } from "./index.js";
import { bots, telegramChats } from "./seed.js";
import type { OAuthClient } from "./state.js";

/** The emulator prefix standing in for each product platform (Instagram lives on Meta's Graph API). */
export const sandboxPrefixes: Record<PlatformId, string> = {
  facebook: "meta",
  instagram: "meta",
  x: "x",
  linkedin: "linkedin",
  youtube: "google",
  telegram: "telegram",
};
const oauthPlatforms = ["facebook", "instagram", "x", "linkedin", "youtube"] as const;

/**
 * The sandbox as the app's in-process twin for development: mounted at /sandbox, with one app
 * registration per platform whose redirect URI is the app's own callback.
 */
export function sandboxTwin(): SandboxTwin {
  let clients: OAuthClient[] = [];
  const context = createSandboxContext({ clients });
  const plugin: FastifyPluginAsync = async (scope) => {
    await scope.register(sandboxRoutes, { context, clients: () => clients });
  };
  return {
    prefix: "/sandbox",
    plugin,
    baseUrlFor: (platform, appUrl) => new URL(`/sandbox/${sandboxPrefixes[platform]}`, appUrl),
    credentialsFor: (platform) =>
      platform === "telegram"
        ? undefined
        : { clientId: `sandbox-${platform}-client`, clientSecret: `sandbox-${platform}-secret` },
    registerRedirects(redirectUriFor) {
      clients = oauthPlatforms.map((platform) => ({
        platform: platform === "instagram" ? "facebook" : platform,
        clientId: `sandbox-${platform}-client`,
        clientSecret: `sandbox-${platform}-secret`,
        redirectUris: [redirectUriFor(platform)],
        programmaticRefresh: platform === "linkedin",
      }));
      context.state.data.clients = clients;
    },
    telegramExample: { botToken: bots[0]!.token, channel: `@${telegramChats[0]!.username}` },
  };
}
