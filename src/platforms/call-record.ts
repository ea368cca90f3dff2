import type { Clock } from "../clock.js";
import { correlationFields } from "../correlation.js";
import type { PlatformFailure } from "./failure.js";
import type { PlatformId } from "./profiles.js";

/** How a platform call ended, as an operator reads it: the answer's status class, or no answer at all. */
export type StatusClass = "2xx" | "3xx" | "4xx" | "5xx" | "network" | "timeout";

/** One request to a platform, as every platform module's calls are observed through the Api. */
export interface PlatformCallRecord {
  platform: PlatformId;
  /** The request's method and path with ids taken out ("POST /{id}/media"), so calls group by what they do. */
  operation: string;
  statusClass: StatusClass;
  /** What the failure meant to the product, when it failed. */
  failureKind?: PlatformFailure["kind"];
  durationMs: number;
  /** Epoch milliseconds by the app's clock when the call ended. */
  at: number;
  organizationId?: string;
  connectionId?: string;
  /** The request's or job's correlation id the call was made under. */
  correlationId?: string;
}

/** A path segment that names one thing (a numeric id, a URN, a long opaque token) rather than a resource. */
const identifying = /^(-?\d{3,}|urn:.+|[A-Za-z0-9_-]{20,}|[0-9a-f]{8}-[0-9a-f-]{27,})$/;
/** A Telegram bot's token travels in its path (https://core.telegram.org/bots/api#making-requests): a secret, never a label. */
const botToken = /^bot\d+:.+$/;

/** The operation a request performs, its ids replaced: metric labels and health groups stay few. */
export function operationOf(method: string, path: string): string {
  const segments = path
    .split("?")[0]!
    .split("/")
    .map((segment) => {
      const decoded = decodeURIComponent(segment);
      if (botToken.test(decoded)) return "bot{token}";
      return identifying.test(decoded) ? "{id}" : segment;
    });
  return `${method} ${segments.join("/") || "/"}`;
}

/**
 * Starts timing one call; the function it answers reports how it ended to `observe`, with its
 * operation, duration, the app's time and the work's correlation id.
 */
export function startCallReport(
  observe: ((call: PlatformCallRecord) => void) | undefined,
  call: { platform: PlatformId; method: string; path: string; clock: Clock },
): (statusClass: StatusClass, failureKind?: PlatformFailure["kind"]) => void {
  const started = performance.now();
  return (statusClass, failureKind) =>
    observe?.({
      platform: call.platform,
      operation: operationOf(call.method, call.path),
      statusClass,
      ...(failureKind ? { failureKind } : {}),
      durationMs: Math.round(performance.now() - started),
      at: call.clock.now(),
      ...correlationFields(),
    });
}
