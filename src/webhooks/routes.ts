import { randomUUID } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { transactionExecutor } from "../db/client.js";
import { webhookDeliveries, webhookEndpoints, type WebhookPayload } from "../db/schema.js";
import { invalidInput, notFound } from "../errors.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import { resolveAlerts, webhookDisabledKey } from "../monitoring/alerts/alerts.js";
import { eventTypes } from "../monitoring/event-types.js";
import { endpointHostProblem, endpointUrlProblem } from "./addresses.js";
import { enqueueDelivery } from "./jobs.js";
import { newWebhookSecret } from "./signature.js";
import {
  deliveryView,
  endpointView,
  organizationEndpoint,
  sealSecret,
  TEST_EVENT_TYPE,
  viewOfDelivery,
  viewOfEndpoint,
} from "./store.js";

/** Each test event is a real delivery to someone's server: a handful a minute per endpoint is plenty. */
const testEventRateLimit = {
  max: 10,
  timeWindow: "1 minute",
  keyGenerator: (request: FastifyRequest) => `webhook-test:${(request.params as { endpointId?: string }).endpointId}`,
};
const endpointParams = z.object({ endpointId: z.uuid("must be a webhook endpoint id") });
const secretAnswer = z.object({
  secret: z.string().describe("The signing secret, shown this once: store it where the receiver can read it."),
});

/** The organization's webhook endpoints, their secrets (shown once) and their delivery logs. */
export const webhookRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, clock } = context;
  const policy = context.config.webhooks;

  const url = z
    .url("must be a URL")
    .max(2_000)
    .superRefine((value, issues) => {
      const problem = endpointUrlProblem(value, policy);
      if (problem) issues.addIssue({ code: "custom", message: problem });
    });
  const events = z
    .array(z.enum(eventTypes, { message: `must be event types: ${eventTypes.join(", ")}` }))
    .min(1, "must name at least one event type")
    .max(eventTypes.length)
    .transform((chosen) => [...new Set(chosen)]);
  const description = z.string().trim().max(500);

  /** The host as it resolves now must be public too: the address as written was checked by the schema. */
  const checkHost = async (value: string) => {
    const problem = await endpointHostProblem(value, policy);
    if (problem) throw invalidInput("webhook_url_refused", `url: ${problem}.`, "url");
  };

  const ownedEndpoint = async (organizationId: string, id: string) => {
    const endpoint = await organizationEndpoint(db, organizationId, id);
    if (!endpoint) throw notFound("That webhook endpoint");
    return endpoint;
  };

  app.get(
    "/api/webhooks/endpoints",
    {
      config: { access: "webhooks:view" },
      schema: {
        tags: ["webhooks"],
        summary: "The active organization's webhook endpoints",
        response: { 200: z.object({ endpoints: z.array(endpointView) }) },
      },
    },
    async (request) => {
      const rows = await db
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.organizationId, currentOrganization(request).id))
        .orderBy(webhookEndpoints.createdAt);
      return { endpoints: rows.map(viewOfEndpoint) };
    },
  );

  app.post(
    "/api/webhooks/endpoints",
    {
      config: { access: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Register an endpoint for chosen event types; answers its signing secret, shown this once",
        body: z.object({ url, description: description.default(""), events }),
        response: { 201: z.object({ endpoint: endpointView, secret: secretAnswer.shape.secret }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      await checkHost(request.body.url);
      const id = randomUUID();
      const secret = newWebhookSecret();
      const secretCiphertext = await sealSecret(context, { id, organizationId: organization.id }, secret);
      const endpoint = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .insert(webhookEndpoints)
            .values({
              id,
              organizationId: organization.id,
              url: request.body.url,
              description: request.body.description,
              events: request.body.events,
              secretCiphertext,
              createdByUserId: currentUser(request).id,
            })
            .returning();
          if (!row) throw new Error("insert returned no webhook endpoint");
          return row;
        },
        {
          action: "webhook.created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "webhook", id },
          details: { url: request.body.url, events: request.body.events },
        },
      );
      return reply.status(201).send({ endpoint: viewOfEndpoint(endpoint), secret });
    },
  );

  app.patch(
    "/api/webhooks/endpoints/:endpointId",
    {
      config: { access: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Change an endpoint's URL, description or event types; what is left out is kept",
        params: endpointParams,
        body: z.object({ url: url.optional(), description: description.optional(), events: events.optional() }),
        response: { 200: z.object({ endpoint: endpointView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const existing = await ownedEndpoint(organization.id, request.params.endpointId);
      const changes = request.body;
      if (changes.url !== undefined && changes.url !== existing.url) await checkHost(changes.url);
      const endpoint = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .update(webhookEndpoints)
            .set({ ...changes, updatedAt: new Date(clock.now()) })
            .where(and(eq(webhookEndpoints.id, existing.id), eq(webhookEndpoints.organizationId, organization.id)))
            .returning();
          if (!row) throw notFound("That webhook endpoint");
          return row;
        },
        {
          action: "webhook.updated",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "webhook", id: existing.id },
          details: { ...changes },
        },
      );
      return { endpoint: viewOfEndpoint(endpoint) };
    },
  );

  app.delete(
    "/api/webhooks/endpoints/:endpointId",
    {
      config: { access: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Delete an endpoint and its delivery log; nothing more is sent to it",
        params: endpointParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const { endpointId } = request.params;
      await audited(
        db,
        async (tx) => {
          const [deleted] = await tx
            .delete(webhookEndpoints)
            .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, organization.id)))
            .returning({ url: webhookEndpoints.url });
          if (!deleted) throw notFound("That webhook endpoint");
          return deleted;
        },
        (deleted) => ({
          action: "webhook.deleted",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "webhook", id: endpointId },
          details: { url: deleted.url },
        }),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    "/api/webhooks/endpoints/:endpointId/rotate-secret",
    {
      config: { access: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Replace an endpoint's signing secret; answers the new one, shown this once",
        params: endpointParams,
        response: { 200: secretAnswer },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const endpoint = await ownedEndpoint(organization.id, request.params.endpointId);
      const secret = newWebhookSecret();
      const secretCiphertext = await sealSecret(context, endpoint, secret);
      await audited(
        db,
        (tx) =>
          tx
            .update(webhookEndpoints)
            .set({ secretCiphertext, updatedAt: new Date(clock.now()) })
            .where(eq(webhookEndpoints.id, endpoint.id)),
        {
          action: "webhook.secret_rotated",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "webhook", id: endpoint.id },
        },
      );
      return { secret };
    },
  );

  app.post(
    "/api/webhooks/endpoints/:endpointId/enable",
    {
      config: { access: "webhooks:manage" },
      schema: {
        tags: ["webhooks"],
        summary: "Enable an endpoint the product disabled after failed deliveries; its failure count starts again",
        params: endpointParams,
        response: { 200: z.object({ endpoint: endpointView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const existing = await ownedEndpoint(organization.id, request.params.endpointId);
      if (existing.enabled) return { endpoint: viewOfEndpoint(existing) };
      const endpoint = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .update(webhookEndpoints)
            .set({
              enabled: true,
              consecutiveFailures: 0,
              disabledAt: null,
              disabledReason: null,
              updatedAt: new Date(clock.now()),
            })
            .where(eq(webhookEndpoints.id, existing.id))
            .returning();
          if (!row) throw notFound("That webhook endpoint");
          await resolveAlerts(context, tx, {
            organizationId: organization.id,
            incidentKeys: [webhookDisabledKey(existing.id)],
            ...(request.auth?.user ? { resolvedByUserId: request.auth.user.id } : {}),
          });
          return row;
        },
        {
          action: "webhook.enabled",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "webhook", id: existing.id },
          details: { url: existing.url, disabledReason: existing.disabledReason },
        },
      );
      return { endpoint: viewOfEndpoint(endpoint) };
    },
  );

  app.post(
    "/api/webhooks/endpoints/:endpointId/test",
    {
      config: { access: "webhooks:manage", rateLimit: testEventRateLimit },
      schema: {
        tags: ["webhooks"],
        summary: `Send the endpoint a test event (${TEST_EVENT_TYPE}), once; its outcome appears in the delivery log`,
        params: endpointParams,
        response: { 202: z.object({ delivery: deliveryView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const endpoint = await ownedEndpoint(organization.id, request.params.endpointId);
      const now = clock.now();
      const payload: WebhookPayload = {
        id: `evt_test_${randomUUID()}`,
        type: TEST_EVENT_TYPE,
        createdAt: new Date(now).toISOString(),
        organizationId: organization.id,
        data: { endpoint: endpoint.id, message: "A test event sent from the dashboard." },
      };
      const delivery = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(webhookDeliveries)
          .values({
            id: randomUUID(),
            organizationId: organization.id,
            endpointId: endpoint.id,
            eventId: payload.id,
            eventType: TEST_EVENT_TYPE,
            payload,
            nextAttemptAt: new Date(now),
          })
          .returning();
        if (!row) throw new Error("insert returned no webhook delivery");
        await enqueueDelivery(context, row, { runAt: now, executor: transactionExecutor(tx) });
        return row;
      });
      return reply.status(202).send({ delivery: viewOfDelivery(delivery) });
    },
  );

  app.get(
    "/api/webhooks/endpoints/:endpointId/deliveries",
    {
      config: { access: "webhooks:view" },
      schema: {
        tags: ["webhooks"],
        summary: "An endpoint's deliveries, newest first, a page at a time",
        params: endpointParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(25),
          offset: z.coerce.number().int().min(0).max(100_000).default(0),
        }),
        response: { 200: z.object({ deliveries: z.array(deliveryView), hasMore: z.boolean() }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const endpoint = await ownedEndpoint(organization.id, request.params.endpointId);
      const { limit, offset } = request.query;
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(
          and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.organizationId, organization.id)),
        )
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(limit + 1)
        .offset(offset);
      return { deliveries: rows.slice(0, limit).map(viewOfDelivery), hasMore: rows.length > limit };
    },
  );
};
