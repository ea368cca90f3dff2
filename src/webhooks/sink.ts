import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { transactionExecutor } from "../db/client.js";
import { webhookDeliveries, webhookEndpoints, type WebhookPayload } from "../db/schema.js";
import type { EventSink, MonitoringEvent } from "../monitoring/events.js";
import { enqueueDelivery } from "./jobs.js";

/** The message an event makes, the same for every endpoint and every attempt. */
export const payloadOf = (event: MonitoringEvent): WebhookPayload => ({
  id: `evt_${event.id}`,
  type: event.type,
  createdAt: event.createdAt.toISOString(),
  organizationId: event.organizationId,
  data: event.data,
});

/**
 * Each event, for each enabled endpoint of its organization subscribed to its type: a delivery
 * row and its job, in the dispatching transaction, so an event is delivered exactly when it was
 * dispatched. Nothing is sent here.
 */
export const webhookSink: EventSink = {
  name: "webhooks",
  async handle(context, tx, events) {
    const organizationIds = [...new Set(events.map((event) => event.organizationId))];
    const endpoints = await tx
      .select({
        id: webhookEndpoints.id,
        organizationId: webhookEndpoints.organizationId,
        events: webhookEndpoints.events,
      })
      .from(webhookEndpoints)
      .where(and(inArray(webhookEndpoints.organizationId, organizationIds), eq(webhookEndpoints.enabled, true)));
    if (endpoints.length === 0) return;
    const executor = transactionExecutor(tx);
    const runAt = context.clock.now();
    for (const event of events) {
      const payload = payloadOf(event);
      for (const endpoint of endpoints) {
        if (endpoint.organizationId !== event.organizationId || !endpoint.events.includes(event.type)) continue;
        const [delivery] = await tx
          .insert(webhookDeliveries)
          .values({
            id: randomUUID(),
            organizationId: event.organizationId,
            endpointId: endpoint.id,
            eventId: payload.id,
            eventType: event.type,
            payload,
            nextAttemptAt: new Date(runAt),
          })
          .onConflictDoNothing()
          .returning({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts });
        if (delivery) await enqueueDelivery(context, delivery, { runAt, executor });
      }
    }
  },
};
