import type { FastifyPluginAsync } from "fastify";
import type { SandboxTwin } from "../src/connections/access.js";
import { platformProfiles } from "../src/platforms/profiles.js";
import { appRegistrations, createSandboxContext, emulationOf, sandboxCredentials, sandboxRoutes } from "./index.js";
import { bots, telegramChats } from "./seed.js";
import type { OAuthClient } from "./state.js";

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
    baseUrlFor: (platform, appUrl) => new URL(`/sandbox/${emulationOf(platform).prefix}`, appUrl),
    credentialsFor: (platform, variant) =>
      platformProfiles[platform].connectsWith === "bot" ? undefined : sandboxCredentials(platform, variant),
    registerRedirects(redirectUriFor) {
      clients = appRegistrations(redirectUriFor);
      context.state.data.clients = clients;
    },
    botExamples: { telegram: { botToken: bots[0]!.token, channel: `@${telegramChats[0]!.username}` } },
  };
}
