import { and, asc, inArray, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Transaction } from "../db/client.js";
import { monitoringEvents } from "../db/schema.js";
import type { AppContext } from "../context.js";
import { correlationFields } from "../correlation.js";
import { isEventType, type EventType } from "./event-types.js";

export type MonitoringEvent = typeof monitoringEvents.$inferSelect;

/** The outbox row an audited change makes, when the change is one an organization may be told of. */
export async function recordEvent(
  tx: Transaction,
  entry: {
    action: string;
    organizationId?: string | null;
    target?: { type: string; id: string };
    details?: Record<string, unknown>;
  },
): Promise<void> {
  if (!isEventType(entry.action) || !entry.organizationId) return;
  await tx.insert(monitoringEvents).values({
    organizationId: entry.organizationId,
    type: entry.action,
    data: {
      ...(entry.target ? { [entry.target.type]: entry.target.id } : {}),
      ...entry.details,
      ...correlationFields(),
    },
  });
}

/** An event raised by monitoring itself (an alert), with the change that raised it. */
export async function raiseEvent(
  tx: Transaction,
  event: { organizationId: string; type: EventType; data: Record<string, unknown> },
): Promise<void> {
  await tx.insert(monitoringEvents).values({ ...event, data: { ...event.data, ...correlationFields() } });
}

/**
 * What is done with events: each sink records, in the dispatching transaction, the durable work
 * they call for (alerts, webhook deliveries), so an event is handed to every sink exactly once.
 * A sink sends nothing itself: delivery is the job queue's.
 */
export interface EventSink {
  name: string;
  handle(context: AppContext, tx: Transaction, events: MonitoringEvent[]): Promise<void>;
}

const BATCH = 100;

/** Hands pending events to the sinks, a batch at a time; answers how many were dispatched. */
export async function dispatchEvents(context: AppContext, sinks: readonly EventSink[]): Promise<number> {
  return context.db.transaction(async (tx) => {
    const pending = await tx
      .select()
      .from(monitoringEvents)
      .where(isNull(monitoringEvents.dispatchedAt))
      .orderBy(asc(monitoringEvents.id))
      .limit(BATCH)
      .for("update", { skipLocked: true });
    if (pending.length === 0) return 0;
    for (const sink of sinks) await sink.handle(context, tx, pending);
    await tx
      .update(monitoringEvents)
      .set({ dispatchedAt: new Date(context.clock.now()) })
      .where(
        and(
          isNull(monitoringEvents.dispatchedAt),
          inArray(
            monitoringEvents.id,
            pending.map((event) => event.id),
          ),
        ),
      );
    return pending.length;
  });
}

/** Dispatches events as they come (every second, real time: delivery latency is a user's), until stopped. */
export function startEventDispatch(
  context: AppContext,
  sinks: readonly EventSink[],
  logger: Logger,
  intervalMs = 1_000,
): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const drain = async () => {
    while (!stopped && (await dispatchEvents(context, sinks)) === BATCH);
  };
  const timer = setInterval(() => {
    running = running.then(drain).catch((error: unknown) => {
      logger.warn({ err: error }, "event dispatch failed; trying again shortly");
    });
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
