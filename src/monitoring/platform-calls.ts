import type { Logger } from "pino";
import type { PlatformCallRecord } from "../platforms/call-record.js";

export type PlatformCallListener = (call: PlatformCallRecord) => void;

/**
 * Where the process's platform calls are reported: health aggregation and metrics subscribe. A
 * listener runs synchronously after each call and must not throw or wait: a platform call is
 * never slowed or failed by its observers.
 */
export class PlatformCallObservers {
  private readonly listeners = new Set<PlatformCallListener>();

  subscribe(listener: PlatformCallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(call: PlatformCallRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(call);
      } catch {
        // An observer's fault is its own; the call it observed went as it went.
      }
    }
  }
}

/**
 * A log line for each platform call: failures at info, so an alert's or a failed post's
 * correlation id leads to the calls behind it; the rest at debug.
 */
export function logPlatformCalls(observers: PlatformCallObservers, logger: Logger): () => void {
  return observers.subscribe((call) => {
    const line = {
      platform: call.platform,
      operation: call.operation,
      statusClass: call.statusClass,
      ...(call.failureKind ? { failureKind: call.failureKind } : {}),
      durationMs: call.durationMs,
      ...(call.connectionId ? { connectionId: call.connectionId } : {}),
    };
    if (call.statusClass === "2xx") logger.debug(line, "platform call");
    else logger.info(line, "platform call failed");
  });
}
