import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { PlatformCallObservers } from "../platform-calls.js";

/**
 * The process's metrics, in a registry of its own rather than prom-client's global one, so
 * several apps in one process (the tests) keep theirs apart. Labels take few values: a platform,
 * a route pattern, an operation with its ids taken out, a state. Never an organization, a
 * connection, a token or a URL with an id in it.
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  // The standard process_ and nodejs_ names, unprefixed, so the usual dashboards read them.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "marketsage_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status class, from arrival to the answer sent",
      labelNames: ["method", "route", "status_class"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    publishOutcomes: new Counter({
      name: "marketsage_publish_outcomes_total",
      help: "Publish targets settled, by platform and outcome (published, failed, unknown, requeued)",
      labelNames: ["platform", "outcome"] as const,
      registers,
    }),
    publishLateness: new Histogram({
      name: "marketsage_publish_lateness_seconds",
      help: "Seconds from a target's due time to its final state (published, failed or unknown), by the app's clock",
      labelNames: ["platform", "outcome"] as const,
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1_800, 3_600, 21_600, 86_400],
      registers,
    }),
    publishJobDuration: new Histogram({
      name: "marketsage_publish_job_duration_seconds",
      help: "Time one publish job works on its target, by platform (waiting for a platform slot not counted)",
      labelNames: ["platform"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    platformCallDuration: new Histogram({
      name: "marketsage_platform_call_duration_seconds",
      help: "Requests to platforms by platform, operation (method and path, ids taken out) and status class",
      labelNames: ["platform", "operation", "status_class"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    platformCallFailures: new Counter({
      name: "marketsage_platform_call_failures_total",
      help: "Failed requests to platforms by platform, operation and what the failure meant (its kind)",
      labelNames: ["platform", "operation", "kind"] as const,
      registers,
    }),
    tokenRefreshes: new Counter({
      name: "marketsage_token_refreshes_total",
      help: "Token refreshes tried, by platform and outcome (refreshed, refused, unavailable)",
      labelNames: ["platform", "outcome"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Every platform call this process makes, counted as it ends; a few map lookups, never a wait. */
export function observePlatformCalls(metrics: Metrics, calls: PlatformCallObservers): () => void {
  return calls.subscribe((call) => {
    const labels = { platform: call.platform, operation: call.operation };
    metrics.platformCallDuration.observe({ ...labels, status_class: call.statusClass }, call.durationMs / 1000);
    if (call.failureKind) metrics.platformCallFailures.inc({ ...labels, kind: call.failureKind });
  });
}
