import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import multipart from "@fastify/multipart";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { analyticsRoutes } from "../analytics/routes.js";
import { auditRoutes } from "../audit/routes.js";
import { conversionRoutes } from "../conversions/routes.js";
import { siteRoutes } from "../conversions/site-routes.js";
import { apiKeyRoutes } from "../auth/api-keys-routes.js";
import { connectionRoutes } from "../connections/routes.js";
import { mediaFiles } from "../posts/media.js";
import { campaignRoutes } from "../campaigns/routes.js";
import { redirectRoutes } from "../links/redirect.js";
import { postRoutes } from "../posts/routes.js";
import { authRoutes } from "../auth/routes.js";
import { healthRoutes } from "../monitoring/routes.js";
import { recordRequestDurations, registerMetricsRoute } from "../monitoring/metrics/exposure.js";
import { alertRoutes } from "../monitoring/alerts/routes.js";
import { organizationRoutes } from "../organizations/routes.js";
import { projectPath } from "../paths.js";
import { vaultControlRoutes } from "../vault/routes.js";
import { webhookRoutes } from "../webhooks/routes.js";
import { reportRoutes } from "../reports/routes.js";
import { sharedReportPages } from "../reports/shared.js";
import { documentAccess, securitySchemes } from "./api-docs.js";
import { guardSandboxControl, registerAuthorization, type RouteEntry } from "./authorization.js";
import { registerIdempotency } from "./idempotency.js";
import type { AppContext } from "../context.js";
import { registerErrorHandler, replyToClientError, replyWithError } from "./errors.js";
import { registerTextSanitation } from "./text.js";
import { withCorrelation } from "../correlation.js";

export const webRoot = projectPath("dist/web");

const MAX_PATH_PARAMETER_LENGTH = 1_000;
/** Where the sandbox serves its control surface, below the twin's prefix (sandbox/control.ts). */
const SANDBOX_CONTROL_PATH = "/_sandbox";

/**
 * One log line per request, written once it is answered, with the request (its URL redacted by
 * the logger's serializer) beside the status and time: Fastify's default also logs each request
 * as it arrives, which doubled what every request spends on logging.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(...[error, request, reply]: Parameters<LogController["requestCompleted"]>): void {
    const fields = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, "request errored");
    else reply.log.info(fields, "request completed");
  }
}

export interface BuiltApp {
  app: FastifyInstance;
  /** Every API route and the access it declares: what the permission test walks. */
  routeTable: RouteEntry[];
}

export async function buildApp(
  context: AppContext,
  options: { logger: Logger; controlToken?: string },
): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new OneLinePerRequest(),
    // A request's id is its correlation id, unique across processes, answered as x-request-id.
    genReqId: () => randomUUID(),
    trustProxy: context.config.http.trustProxy,
    // Path parameters reach their route's schema, whose 400 names the field (the router's own
    // limit, 100, answered before any schema ran, and cut media URLs with long file names).
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // The router's and Node's own refusals (a bad escape, a parameter over the limit, an address
    // over Node's header size) in the app's shape.
    frameworkErrors: replyWithError,
    clientErrorHandler: replyToClientError,
  }).withTypeProvider<ZodTypeProvider>();
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    withCorrelation(request.id, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  recordRequestDurations(app, context.metrics);

  const allowedOrigins = new Set(context.config.http.publicUrl ? [context.config.http.publicUrl.origin] : []);

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:", "https:"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cors, {
    origin: (origin, callback) => callback(null, !origin || allowedOrigins.has(origin)),
    credentials: true,
  });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "MarketSage Social API",
        description:
          "Every route, its access and its schemas. Errors answer { error: { code, message, field } }. " +
          "Scripts and automation tools call it with an organization's API key (`Authorization: Bearer msk_…`).",
        version: "0.1.0",
      },
      components: { securitySchemes },
    },
    transform: documentAccess,
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs" });

  registerErrorHandler(app);
  const authorization = {
    db: context.db,
    sessionTtlMs: context.config.auth.sessionTtlMs,
    clock: context.clock,
    allowedOrigins,
    controlToken: options.controlToken,
    apiKeyRequestsPerMinute: context.config.auth.apiKeyRequestsPerMinute,
  };
  const routeTable = registerAuthorization(app, authorization);
  registerTextSanitation(app);
  registerIdempotency(app, { db: context.db, clock: context.clock, vault: context.vault });
  // What the API answers is the caller's own data: no browser or proxy keeps a copy.
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/api/") && !request.url.startsWith("/api/docs") && !reply.hasHeader("cache-control"))
      reply.header("cache-control", "no-store");
  });

  await app.register(healthRoutes, context);
  registerMetricsRoute(app, { metrics: context.metrics, token: context.config.metrics.token });
  await app.register(authRoutes, context);
  await app.register(organizationRoutes, context);
  await app.register(auditRoutes, context);
  await app.register(apiKeyRoutes, context);
  await app.register(vaultControlRoutes, context);
  await app.register(connectionRoutes, context);
  await app.register(multipart, { limits: { fileSize: context.config.media.maxBytes, files: 1 } });
  await app.register(postRoutes, context);
  await app.register(mediaFiles, context);
  await app.register(webhookRoutes, context);
  await app.register(alertRoutes, context);
  await app.register(analyticsRoutes, context);
  await app.register(reportRoutes, context);
  await app.register(sharedReportPages, context);
  await app.register(campaignRoutes, context);
  await app.register(redirectRoutes, context);
  await app.register(conversionRoutes, context);
  await app.register(siteRoutes, context);

  const twin = context.sandboxTwin;
  if (twin) {
    await app.register(
      async (scope) => {
        guardSandboxControl(scope, { ...authorization, controlPrefix: `${twin.prefix}${SANDBOX_CONTROL_PATH}` });
        await scope.register(twin.plugin);
      },
      { prefix: twin.prefix },
    );
  }

  if (existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false });
    // Every page of the dashboard is the same index.html; the client router picks the view.
    app.get("/*", { schema: { hide: true } }, (request, reply) => {
      const pathname = request.url.split("?")[0]!;
      // A missing file (an old asset, a typo) is a 404, not the app's page.
      if (pathname.startsWith("/api/") || /\.[a-z0-9]+$/i.test(pathname)) return reply.callNotFound();
      return reply.header("cache-control", "no-cache").sendFile("index.html");
    });
  }

  return { app, routeTable };
}
