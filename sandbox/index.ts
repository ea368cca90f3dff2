import { adjustableClock } from "../src/clock.js";
import { PRODUCT_USER_AGENT } from "../src/platforms/http.js";
import { contractViolation, fromSandboxPath, isSandboxOnly } from "./contract/index.js";
import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from "fastify";
import { registerControl, type FaultRule } from "./control.js";
import {
  PlatformReply,
  resolveOptions,
  type SandboxContext,
  type SandboxOptions,
  type SandboxPlatform,
  type WindowUse,
} from "./context.js";
import type { ConnectVariant, PlatformProfile } from "../src/platforms/profile.js";
import { platformIds, platformProfiles, type PlatformId } from "../src/platforms/profiles.js";
import { linkedin } from "./linkedin.js";
import { meta } from "./meta-graph.js";
import { SandboxState, type OAuthClient } from "./state.js";
import { telegram } from "./telegram.js";
import { tiktok } from "./tiktok.js";
import { x } from "./x.js";
import { youtube } from "./youtube.js";

export { defaultLimits, defaultLifetimes, type SandboxOptions } from "./context.js";

/**
 * What a load balancer in front of a platform answers when the platform behind it is down: an
 * HTML page, not the platform's JSON (nginx's default page, as seen in front of many APIs).
 */
function gatewayPage(status: number): PlatformReply {
  const title = `${status} ${STATUS_CODES[status] ?? "Error"}`;
  return new PlatformReply(
    status,
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
    { "content-type": "text/html" },
  );
}

/** Meta's Graph API serves Facebook and Instagram from one host, so they share one prefix. */
const platforms: SandboxPlatform[] = [meta, x, linkedin, youtube, telegram, tiktok];

/** A refusal's body as the journal keeps it: enough to tell one error from another. */
const refusalOf = (body: unknown): string =>
  (typeof body === "string" ? body : (JSON.stringify(body) ?? "")).slice(0, 300);

/** The emulation serving one of the product's platforms. */
export function emulationOf(platform: PlatformId): SandboxPlatform {
  const emulation = platforms.find((candidate) => candidate.standsFor.includes(platform));
  if (!emulation) throw new Error(`the sandbox emulates no ${platform}`);
  return emulation;
}

/**
 * The environment that points the product at a sandbox for every platform: base URLs, and the
 * credentials of the sandbox's own app registrations (each connect variant's own app included).
 */
export function sandboxEnvironment(baseFor: (prefix: string) => URL | string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const platform of platformIds) {
    const profile = platformProfiles[platform] as PlatformProfile;
    const { prefix, clientIdSuffix = "CLIENT_ID" } = profile.environment;
    environment[`${prefix}_BASE_URL`] = String(baseFor(emulationOf(platform).prefix));
    if (profile.connectsWith !== "oauth") continue;
    const app = sandboxCredentials(platform);
    environment[`${prefix}_${clientIdSuffix}`] = app.clientId;
    environment[`${prefix}_CLIENT_SECRET`] = app.clientSecret;
    for (const variant of profile.connectVariants ?? []) {
      if (!variant.credentialsPrefix) continue;
      const own = sandboxCredentials(platform, variant.id);
      environment[`${variant.credentialsPrefix}_CLIENT_ID`] = own.clientId;
      environment[`${variant.credentialsPrefix}_CLIENT_SECRET`] = own.clientSecret;
    }
  }
  return environment;
}

const oauthPlatforms = platformIds.filter((id) => platformProfiles[id].connectsWith === "oauth");

/**
 * One app registration per OAuth platform (Instagram's is Facebook's app), and one more per
 * connect variant with an app of its own (LinkedIn pages: Community Management, alone on its app),
 * each provisioned for what its connect asks.
 */
export function appRegistrations(redirectUriFor: (platform: PlatformId) => string): OAuthClient[] {
  return oauthPlatforms.flatMap((platform) => {
    const emulation = emulationOf(platform);
    const app = (name: string, scopes: string[] | undefined): OAuthClient => ({
      platform: emulation.standsFor[0]!,
      clientId: `sandbox-${name}-client`,
      clientSecret: `sandbox-${name}-secret`,
      redirectUris: [redirectUriFor(platform)],
      ...emulation.appDefaults?.(scopes),
    });
    const variants: ConnectVariant[] = (platformProfiles[platform] as PlatformProfile).connectVariants ?? [];
    return [
      app(platform, variants[0]?.scopes),
      ...variants
        .filter((variant) => variant.credentialsPrefix)
        .map((variant) => app(`${platform}-${variant.id}`, variant.scopes)),
    ];
  });
}

/** The sandbox's credentials standing in for a platform's app, or a connect variant's own app. */
export function sandboxCredentials(platform: PlatformId, variant?: string) {
  const own = (platformProfiles[platform] as PlatformProfile).connectVariants?.find(
    (candidate) => candidate.id === variant && candidate.credentialsPrefix,
  );
  const name = own ? `${platform}-${own.id}` : platform;
  return { clientId: `sandbox-${name}-client`, clientSecret: `sandbox-${name}-secret` };
}

/** The app registrations the sandbox knows from the start; tests add theirs through /_sandbox/clients. */
export function defaultClients(redirectBase = "http://localhost:3000"): OAuthClient[] {
  return appRegistrations((platform) => `${redirectBase}/api/auth/callback/${platform}`);
}

export interface Sandbox {
  app: FastifyInstance;
  state: SandboxState;
  context: SandboxContext;
  /** Starts listening; answers the sandbox's root URL. */
  listen(port?: number, host?: string): Promise<URL>;
  close(): Promise<void>;
}

export type SandboxSetup = SandboxOptions & { clients?: OAuthClient[] };

export async function createSandbox(options: SandboxSetup = {}): Promise<Sandbox> {
  // A platform drops its connections when it goes away; a client holding one open without a
  // request (after a hang fault) must not keep the sandbox from closing until the header timeout.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const context = createSandboxContext(options);
  await app.register(sandboxRoutes, { context, clients: () => options.clients ?? defaultClients() });
  return {
    app,
    state: context.state,
    context,
    async listen(port = 0, host = "127.0.0.1") {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === "object" && address ? address.port : port;
      return new URL(`http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${actualPort}`);
    },
    /** Stops the server; rejects when the product sent a request the real platform would refuse. */
    async close() {
      await app.close();
      const violations = context.state.contractViolations;
      if (violations.length > 0)
        throw new Error(
          `the product sent ${violations.length} request(s) the platform does not allow:\n${violations
            .slice(0, 20)
            .map((entry) => `${entry.method} ${entry.path}: ${entry.violation}`)
            .join("\n")}`,
        );
    },
  };
}

export function createSandboxContext(options: SandboxSetup = {}): SandboxContext {
  const clients = () => options.clients ?? defaultClients();
  const state = new SandboxState(clients(), options.persistFile);
  const resolved = resolveOptions(options);
  const clock = adjustableClock();

  /** A window opens at its first use and closes windowMs later, or at `resetAt` (a midnight). */
  const openWindow = (key: string, windowMs: number, resetAt?: (start: number) => number) => {
    const now = clock.now();
    const end = (start: number) => (resetAt ? resetAt(start) : start + windowMs);
    let window = state.data.windows[key];
    if (!window || end(window.windowStart) <= now) {
      window = { windowStart: now, used: 0 };
      state.data.windows[key] = window;
    }
    return { window, resetAtMs: end(window.windowStart) };
  };

  const context: SandboxContext = {
    state,
    options: resolved,
    clock,
    now: () => clock.now(),
    take(key, limit, windowMs, takeOptions = {}): WindowUse {
      const { window, resetAtMs } = openWindow(key, windowMs, takeOptions.resetAt);
      const cost = takeOptions.cost ?? 1;
      if (window.used + cost > limit)
        return { allowed: false, limit, remaining: Math.max(0, limit - window.used), resetAt: resetAtMs };
      window.used += cost;
      return { allowed: true, limit, remaining: limit - window.used, resetAt: resetAtMs };
    },
    peek(key, limit, windowMs): WindowUse {
      const { window, resetAtMs } = openWindow(key, windowMs);
      return { allowed: window.used < limit, limit, remaining: Math.max(0, limit - window.used), resetAt: resetAtMs };
    },
  };

  return context;
}

/**
 * Every emulated platform and the control surface, as one encapsulated plugin: served on its
 * own by createSandbox, or mounted under a prefix inside another server.
 */
export const sandboxRoutes: FastifyPluginAsync<{ context: SandboxContext; clients: () => OAuthClient[] }> = async (
  app,
  { context, clients },
) => {
  const { state, options: resolved } = context;
  // Media uploads are large; the server the sandbox is mounted in may have a small default.
  app.addHook("onRoute", (route) => {
    route.bodyLimit ??= 1024 * 1024 * 1024;
  });
  await app.register(formbody);
  // A host server that parses multipart already (the product) keeps its parser; limits are per call (form.ts).
  if (!app.hasRequestDecorator("isMultipart")) await app.register(multipart);
  // Uploads of raw bytes (LinkedIn upload URLs, YouTube resumable sessions, X appends).
  for (const type of ["application/octet-stream", /^video\//, /^image\//]) {
    app.addContentTypeParser(type, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  }

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof PlatformReply) {
      (request as unknown as { sandboxRefusal: string }).sandboxRefusal = refusalOf(error.body);
      return reply.status(error.status).headers(error.headers).send(error.body);
    }
    const platform = platformFor(request.url);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (platform && status >= 500) {
      const answer = platform.transientError(500, context.now());
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    }
    return reply.status(status).send({ error: (error as Error).message });
  });

  const faults: FaultRule[] = [];
  const dropped = new WeakSet<object>();

  /** The platform a request is for: the first path segment below wherever the sandbox is mounted. */
  const platformFor = (url: string) => {
    const below = app.prefix && url.startsWith(app.prefix) ? url.slice(app.prefix.length) : url;
    const prefix = below.split("/")[1] ?? "";
    return platforms.find((platform) => platform.prefix === prefix);
  };

  app.addHook("onRequest", async (request, reply) => {
    const platform = platformFor(request.url);
    if (!platform) return;
    if (resolved.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, resolved.latencyMs));
    const path = request.url.split("?")[0]!.slice(app.prefix.length);
    const rule = faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.prefix === platform.prefix &&
        (!candidate.method || candidate.method === request.method) &&
        path.includes(candidate.path),
    );
    if (!rule) return;
    rule.remaining -= 1;
    rule.fired += 1;
    (request as unknown as { sandboxFault: string }).sandboxFault = rule.mode;
    switch (rule.mode) {
      case "error":
        throw rule.gatewayPage
          ? gatewayPage(rule.status ?? 502)
          : platform.transientError(rule.status ?? 503, context.now());
      case "rate_limit":
        throw platform.rateLimitError(rule.retryAfterSeconds ?? 60, context.now());
      case "hang":
        // Never answers: the caller's timeout is what is under test. Journalled when it gives up.
        await new Promise((resolve) => request.raw.socket.once("close", resolve));
        journal(request, 0);
        reply.hijack();
        return;
      case "drop":
        dropped.add(request);
        return;
    }
  });

  // "Dropped after receipt": the platform did the work (the post exists), the answer is lost.
  const journal = (request: FastifyRequest, status: number) => {
    const platform = platformFor(request.url);
    if (!platform) return;
    const path = request.url.split("?")[0]!.slice(app.prefix.length);
    state.record({
      at: context.now(),
      platform: platform.prefix,
      method: request.method,
      path: platform.redactPath ? platform.redactPath(path) : path,
      status,
      fault: (request as unknown as { sandboxFault?: string }).sandboxFault,
      refusal: (request as unknown as { sandboxRefusal?: string }).sandboxRefusal,
    });
    state.save();
  };

  // A dropped answer never finishes, so it is journalled (status 0) before the socket goes.
  app.addHook("onSend", async (request, _reply, payload) => {
    if (dropped.has(request)) {
      journal(request, 0);
      request.raw.socket.destroy();
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    if (!dropped.has(request)) journal(request, reply.statusCode);
  });

  // Every call the product makes is held to what the platform publishes (sandbox/contract), so
  // a request the real platform would refuse fails the test that made it, whichever it is.
  app.addHook("preHandler", async (request) => {
    if (!request.headers["user-agent"]?.startsWith(PRODUCT_USER_AGENT)) return;
    const below = request.url.slice(app.prefix.length);
    const target = fromSandboxPath(below);
    if (!target) return;
    const url = new URL(below, "http://sandbox.invalid");
    const body = request.isMultipart?.() || Buffer.isBuffer(request.body) ? undefined : request.body;
    const call = { method: request.method, path: target.path, body };
    if (isSandboxOnly(call)) return;
    const violation = contractViolation({
      platform: target.platform,
      ...call,
      query: url.searchParams,
      headers: request.headers,
    });
    if (violation) state.contractViolations.push({ method: request.method, path: url.pathname, violation });
  });

  registerControl(app, context, { platforms, faults, defaultClients: clients });
  for (const platform of platforms) {
    await app.register(async (scope) => platform.register(scope, context), { prefix: `/${platform.prefix}` });
  }
};
