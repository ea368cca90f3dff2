import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { forbidden, invalidInput, notFound } from "../errors.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import { dateTime } from "../http/schemas.js";
import { apiKeyRoles, createApiKey, listApiKeys, revokeApiKey, roleWithin } from "./api-keys.js";

const apiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(apiKeyRoles),
  prefix: z.string().describe("The key's first characters, to tell it apart; the rest is never shown again"),
  createdBy: z.object({ id: z.uuid(), email: z.string(), name: z.string() }),
  createdAt: z.date(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  revokedByEmail: z.string().nullable(),
  lastUsedAt: z.date().nullable(),
  lastUsedIp: z.string().nullable(),
});

const apiKeyParams = z.object({ id: z.uuid("must be an API key id") });

const example = {
  name: "CMS publisher",
  role: "USER",
  expiresAt: "2027-01-01T00:00:00Z",
};

/**
 * The organization's API keys (ADMIN and above, from a session only: a key cannot mint keys).
 * A key's secret is answered once, at creation.
 */
export const apiKeyRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, clock } = context;

  app.get(
    "/api/organization/api-keys",
    {
      config: { access: "apikeys:manage", sessionOnly: true },
      schema: {
        tags: ["api keys"],
        summary: "The organization's API keys, newest first, revoked ones included; never their secrets",
        response: { 200: z.object({ apiKeys: z.array(apiKeyView) }) },
      },
    },
    async (request) => ({ apiKeys: await listApiKeys(db, currentOrganization(request).id) }),
  );

  app.post(
    "/api/organization/api-keys",
    {
      config: { access: "apikeys:manage", sessionOnly: true, bodyExample: example },
      schema: {
        tags: ["api keys"],
        summary: "Create an API key with a role no higher than yours; its secret is answered this once",
        body: z.object({
          name: z.string().trim().min(1, "is required").max(100, "must be at most 100 characters"),
          role: z.enum(apiKeyRoles, { message: `must be one of ${apiKeyRoles.join(", ")}` }),
          expiresAt: dateTime().optional().describe("When the key stops working; never when absent"),
        }),
        response: {
          201: z.object({
            apiKey: apiKeyView,
            secret: z
              .string()
              .describe("The key, shown this once: send it as `Authorization: Bearer …`. Only its hash is kept."),
          }),
        },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const user = currentUser(request);
      const { name, role, expiresAt } = request.body;
      if (!roleWithin(role, organization.role))
        throw forbidden("role_too_high", `A key cannot have a higher role than yours (${organization.role}).`, "role");
      if (expiresAt && Date.parse(expiresAt) <= clock.now())
        throw invalidInput("expiry_in_past", "expiresAt must be in the future.", "expiresAt");
      const created = await audited(
        db,
        (tx) =>
          createApiKey(tx, {
            organizationId: organization.id,
            name,
            role,
            expiresAt: expiresAt ? new Date(expiresAt) : null,
            createdByUserId: user.id,
          }),
        ({ id }) => ({
          action: "api_key.created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "api_key", id },
          details: { name, role, expiresAt: expiresAt ?? null },
        }),
      );
      const [view] = await listApiKeys(db, organization.id, created.id);
      return reply.status(201).send({ apiKey: view!, secret: created.secret });
    },
  );

  app.delete(
    "/api/organization/api-keys/:id",
    {
      config: { access: "apikeys:manage", sessionOnly: true },
      schema: {
        tags: ["api keys"],
        summary: "Revoke an API key: its next request is refused",
        params: apiKeyParams,
        response: { 200: z.object({ apiKey: apiKeyView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const apiKeyId = request.params.id;
      const [existing] = await listApiKeys(db, organization.id, apiKeyId);
      if (!existing) throw notFound("That API key", "id");
      if (!existing.revokedAt) {
        await audited(
          db,
          (tx) =>
            revokeApiKey(tx, {
              organizationId: organization.id,
              id: apiKeyId,
              userId: currentUser(request).id,
              at: new Date(clock.now()),
            }),
          (revoked) =>
            revoked
              ? {
                  action: "api_key.revoked",
                  organizationId: organization.id,
                  ...requestOrigin(request),
                  target: { type: "api_key", id: apiKeyId },
                  details: { name: revoked.name },
                }
              : null,
        );
      }
      const [view] = await listApiKeys(db, organization.id, apiKeyId);
      return { apiKey: view! };
    },
  );
};
