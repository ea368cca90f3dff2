import type { FastifyPluginAsync } from "fastify";
import type { PlatformId } from "../platforms/profiles.js";

/**
 * The in-process platform emulator offered in development for platforms without credentials.
 * Built outside src/ (the server's production code never loads it) and handed to the runtime.
 */
export interface SandboxTwin {
  /** Where the emulator is mounted in the HTTP server. */
  prefix: string;
  plugin: FastifyPluginAsync;
  /** The emulator's URL standing in for a platform, below the app's own origin. */
  baseUrlFor(platform: PlatformId, appUrl: URL): URL;
  /** The emulated app's credentials: the connect variant's own app where it has one. */
  credentialsFor(platform: PlatformId, variant?: string): { clientId: string; clientSecret: string } | undefined;
  /** Registers the app's callback URLs with the emulated platforms, once the app's URL is known. */
  registerRedirects(redirectUriFor: (platform: PlatformId) => string): void;
  /** A demo bot and channel per bot platform, so a fresh install can connect one end to end. */
  botExamples: Partial<Record<PlatformId, { botToken: string; channel: string }>>;
}
