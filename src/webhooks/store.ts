import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { AppContext } from "../context.js";
import type { Database, Transaction } from "../db/client.js";
import { webhookDeliveries, webhookDeliveryState, webhookEndpoints } from "../db/schema.js";
import { eventTypes } from "../monitoring/event-types.js";

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/** The type of the message "send test event" sends: no organization event stands behind it. */
export const TEST_EVENT_TYPE = "webhook.test";

const secretBinding = (endpoint: Pick<WebhookEndpoint, "id" | "organizationId">) => ({
  organizationId: endpoint.organizationId,
  record: `webhook:${endpoint.id}`,
  field: "secret",
});

export const sealSecret = (
  context: AppContext,
  endpoint: Pick<WebhookEndpoint, "id" | "organizationId">,
  secret: string,
) => context.vault.seal(secretBinding(endpoint), secret);

export const openSecret = (context: AppContext, endpoint: WebhookEndpoint) =>
  context.vault.open(secretBinding(endpoint), endpoint.secretCiphertext);

/** An endpoint of this organization; another organization's id is simply not found. */
export async function organizationEndpoint(
  db: Database | Transaction,
  organizationId: string,
  id: string,
): Promise<WebhookEndpoint | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.organizationId, organizationId)));
  return row;
}

export const endpointView = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.enum(eventTypes)),
  enabled: z.boolean(),
  consecutiveFailures: z.number().int(),
  disabledAt: z.date().nullable(),
  disabledReason: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** What the API shows of an endpoint: everything but its secret, which is shown once when made. */
export const viewOfEndpoint = (endpoint: WebhookEndpoint): z.infer<typeof endpointView> => ({
  id: endpoint.id,
  url: endpoint.url,
  description: endpoint.description,
  events: endpoint.events,
  enabled: endpoint.enabled,
  consecutiveFailures: endpoint.consecutiveFailures,
  disabledAt: endpoint.disabledAt,
  disabledReason: endpoint.disabledReason,
  createdAt: endpoint.createdAt,
  updatedAt: endpoint.updatedAt,
});

export const deliveryView = z.object({
  id: z.uuid(),
  eventId: z.string(),
  eventType: z.string(),
  state: z.enum(webhookDeliveryState.enumValues),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: z.date().nullable(),
  deliveredAt: z.date().nullable(),
  createdAt: z.date(),
});

export const viewOfDelivery = (delivery: WebhookDelivery): z.infer<typeof deliveryView> => ({
  id: delivery.id,
  eventId: delivery.eventId,
  eventType: delivery.eventType,
  state: delivery.state,
  attempts: delivery.attempts,
  responseStatus: delivery.responseStatus,
  durationMs: delivery.durationMs,
  error: delivery.error,
  nextAttemptAt: delivery.nextAttemptAt,
  deliveredAt: delivery.deliveredAt,
  createdAt: delivery.createdAt,
});
