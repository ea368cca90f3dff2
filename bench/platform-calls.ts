/**
 * `npm run bench:platform-calls`: what recording a platform call costs the call. Reports a million
 * calls through the process's observers with no subscriber, then with the metrics subscriber, and
 * prints the time each call spends in them.
 */
import { createMetrics, observePlatformCalls } from "../src/monitoring/metrics/instruments.js";
import { PlatformCallObservers } from "../src/monitoring/platform-calls.js";
import type { PlatformCallRecord } from "../src/platforms/call-record.js";
import { platformIds } from "../src/platforms/profiles.js";

const CALLS = 1_000_000;
const operations = ["POST /{id}/media", "GET /{id}", "POST /bot{token}/sendMessage", "GET /v2/userinfo"];

/** Calls as a busy worker sees them: several platforms and operations, one in ten failed. */
function callAt(index: number): PlatformCallRecord {
  const failed = index % 10 === 0;
  return {
    platform: platformIds[index % platformIds.length]!,
    operation: operations[index % operations.length]!,
    statusClass: failed ? "5xx" : "2xx",
    ...(failed ? { failureKind: "transient" as const } : {}),
    durationMs: index % 300,
    at: index,
    organizationId: "organization",
    connectionId: "connection",
  };
}

/** Microseconds each call spends being reported; the best of three runs, after a warm-up. */
function microsecondsPerCall(observers: PlatformCallObservers): number {
  const calls = Array.from({ length: 1_000 }, (_, index) => callAt(index));
  const once = () => {
    const started = performance.now();
    for (let index = 0; index < CALLS; index += 1) observers.record(calls[index % calls.length]!);
    return ((performance.now() - started) * 1000) / CALLS;
  };
  once();
  return Math.min(once(), once(), once());
}

const observers = new PlatformCallObservers();
const without = microsecondsPerCall(observers);
observePlatformCalls(createMetrics(), observers);
const withMetrics = microsecondsPerCall(observers);
console.log(
  `reporting a platform call: ${without.toFixed(2)} µs with no subscriber, ${withMetrics.toFixed(2)} µs with the metrics subscriber`,
);
