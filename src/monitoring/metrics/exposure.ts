import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";
import { AppError } from "../../http/errors.js";
import type { Metrics } from "./instruments.js";

export const METRICS_PATH = "/metrics";

async function sendMetrics(metrics: Metrics, reply: FastifyReply) {
  const text = await metrics.registry.metrics();
  return reply.header("content-type", metrics.registry.contentType).header("cache-control", "no-store").send(text);
}

/** Compared as digests, so neither the token's characters nor its length show in the time taken. */
function presentsToken(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return presented !== "" && timingSafeEqual(digest(presented), digest(token));
}

/**
 * A scraper asks a few times a minute; guessing the token takes many more.
 */
const METRICS_REQUESTS_PER_ADDRESS_PER_MINUTE = 60;

/**
 * /metrics on the public listener: only with METRICS_TOKEN, presented as a bearer token. Without
 * one it is not found, as if absent (the dashboard's catch-all would otherwise answer it). Kept
 * out of the API document: it is for Prometheus, not API clients.
 */
export function registerMetricsRoute(app: FastifyInstance, options: { metrics: Metrics; token?: string }): void {
  const { metrics, token } = options;
  const rateLimit = { max: METRICS_REQUESTS_PER_ADDRESS_PER_MINUTE, timeWindow: "1 minute" };
  app.get(METRICS_PATH, { schema: { hide: true }, config: { rateLimit } }, async (request, reply) => {
    if (!token) return reply.callNotFound();
    if (!presentsToken(request.headers.authorization, token)) {
      reply.header("www-authenticate", 'Bearer realm="metrics"');
      throw new AppError(401, "unauthorized", "Metrics need the METRICS_TOKEN as a bearer token.");
    }
    return sendMetrics(metrics, reply);
  });
}

const statusClass = (statusCode: number) => `${Math.floor(statusCode / 100)}xx`;

/**
 * Every answer's duration by its route's pattern (`/api/posts/:id`), never the requested URL, so
 * ids and tokens in paths stay out of labels; requests that matched no route share one label.
 */
export function recordRequestDurations(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? "unmatched",
        status_class: statusClass(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * A listener of its own for Prometheus (METRICS_PORT, on METRICS_HOST, loopback by default),
 * answering /metrics without a token: what can reach it is decided by where it listens.
 */
export async function startMetricsListener(options: {
  metrics: Metrics;
  host: string;
  port: number;
  logger: Logger;
}): Promise<{ server: FastifyInstance; port: number }> {
  const server = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // A scrape every few seconds would fill the log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  server.get(METRICS_PATH, (_request, reply) => sendMetrics(options.metrics, reply));
  await server.listen({ host: options.host, port: options.port });
  const address = server.server.address();
  return { server, port: typeof address === "object" && address ? address.port : options.port };
}
