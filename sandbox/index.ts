import formbody from "@fastify/formbody";
import multipart from "@fastify/multipart";
import Fastify, { type FastifyInstance } from "fastify";
import { registerControl, type FaultRule } from "./control.js";
import {
  PlatformReply,
  resolveOptions,
  type SandboxContext,
  type SandboxOptions,
  type SandboxPlatform,
  type WindowUse,
} from "./context.js";
import { linkedin } from "./linkedin.js";
import { meta } from "./meta-graph.js";
import { SandboxState, type OAuthClient } from "./state.js";
import { telegram } from "./telegram.js";
import { x } from "./x.js";
import { youtube } from "./youtube.js";

export { defaultLimits, defaultLifetimes, type SandboxOptions } from "./context.js";

/** Meta's Graph API serves Facebook and Instagram from one host, so they share one prefix. */
const platforms: SandboxPlatform[] = [meta, x, linkedin, youtube, telegram];

/** The app registrations the sandbox knows from the start; tests add theirs through /_sandbox/clients. */
export function defaultClients(redirectBase = "http://localhost:3000"): OAuthClient[] {
  const platformsWithOAuth = ["facebook", "instagram", "x", "linkedin", "youtube"] as const;
  return platformsWithOAuth.map((platform) => ({
    platform: platform === "instagram" ? "facebook" : platform,
    clientId: `sandbox-${platform}-client`,
    clientSecret: `sandbox-${platform}-secret`,
    redirectUris: [`${redirectBase}/api/auth/callback/${platform}`],
    programmaticRefresh: platform === "linkedin",
  }));
}

export interface Sandbox {
  app: FastifyInstance;
  state: SandboxState;
  context: SandboxContext;
  /** Starts listening; answers the sandbox's root URL. */
  listen(port?: number, host?: string): Promise<URL>;
  close(): Promise<void>;
}

export async function createSandbox(options: SandboxOptions & { clients?: OAuthClient[] } = {}): Promise<Sandbox> {
  const clients = () => options.clients ?? defaultClients();
  const state = new SandboxState(clients(), options.persistFile);
  const resolved = resolveOptions(options);

  /** A window opens at its first use and closes windowMs later, or at `resetAt` (a midnight). */
  const openWindow = (key: string, windowMs: number, resetAt?: (start: number) => number) => {
    const now = Date.now();
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
    now: () => Date.now(),
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

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 * 1024 });
  await app.register(formbody);
  await app.register(multipart, { limits: { fileSize: 1024 * 1024 * 1024, files: 20 } });
  // Uploads of raw bytes (LinkedIn upload URLs, YouTube resumable sessions, X appends).
  for (const type of ["application/octet-stream", /^video\//, /^image\//]) {
    app.addContentTypeParser(type, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  }

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof PlatformReply) return reply.status(error.status).headers(error.headers).send(error.body);
    const platform = platformFor(request.url);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (platform && status >= 500) {
      const answer = platform.transientError(500);
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    }
    return reply.status(status).send({ error: (error as Error).message });
  });

  const faults: FaultRule[] = [];
  const dropped = new WeakSet<object>();

  const platformFor = (url: string) => {
    const prefix = url.split("/")[1] ?? "";
    return platforms.find((platform) => platform.prefix === prefix);
  };

  app.addHook("onRequest", async (request, reply) => {
    const platform = platformFor(request.url);
    if (!platform) return;
    if (resolved.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, resolved.latencyMs));
    const path = request.url.split("?")[0]!;
    const rule = faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.prefix === platform.prefix &&
        (!candidate.method || candidate.method === request.method) &&
        path.includes(candidate.path),
    );
    if (!rule) return;
    rule.remaining -= 1;
    (request as unknown as { sandboxFault: string }).sandboxFault = rule.mode;
    switch (rule.mode) {
      case "error":
        throw platform.transientError(rule.status ?? 503);
      case "rate_limit":
        throw platform.rateLimitError(rule.retryAfterSeconds ?? 60);
      case "hang":
        // Never answers: the caller's timeout is what is under test.
        await new Promise((resolve) => request.raw.socket.once("close", resolve));
        reply.hijack();
        return;
      case "drop":
        dropped.add(request);
        return;
    }
  });

  // "Dropped after receipt": the platform did the work (the post exists), the answer is lost.
  app.addHook("onSend", async (request, _reply, payload) => {
    if (dropped.has(request)) request.raw.socket.destroy();
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    const platform = platformFor(request.url);
    if (!platform) return;
    const path = request.url.split("?")[0]!;
    state.record({
      at: Date.now(),
      platform: platform.prefix,
      method: request.method,
      path: platform.redactPath ? platform.redactPath(path) : path,
      status: dropped.has(request) ? 0 : reply.statusCode,
      fault: (request as unknown as { sandboxFault?: string }).sandboxFault,
    });
    state.save();
  });

  registerControl(app, context, { platforms, faults, defaultClients: clients });
  for (const platform of platforms) {
    await app.register(async (scope) => platform.register(scope, context), { prefix: `/${platform.prefix}` });
  }

  return {
    app,
    state,
    context,
    async listen(port = 0, host = "127.0.0.1") {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === "object" && address ? address.port : port;
      return new URL(`http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${actualPort}`);
    },
    close: () => app.close(),
  };
}
