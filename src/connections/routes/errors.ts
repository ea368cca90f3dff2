import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { and, eq } from "drizzle-orm";
import { audited, requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { connectionErrorType, connectionErrors } from "../../db/schema.js";
import { conflict, notFound } from "../../errors.js";
import { currentOrganization, currentUser } from "../../http/authorization.js";
import { platformId } from "../../http/schemas.js";
import { errorsMatching, errorView, resolveErrorByHand } from "../errors.js";
import { scopedOrganization, scopeQuery } from "./health.js";
import { errorSchema } from "./schemas.js";

const errorId = z.coerce
  .number({ message: "must be an error id" })
  .int("must be an error id")
  .positive("must be an error id");

export const errorRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;

  app.get(
    "/api/social-media/errors",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["connections"],
        summary: "Error incidents, latest first, with filters; page with `before` = the last id seen",
        querystring: scopeQuery.extend({
          platform: platformId.optional(),
          resolved: z.stringbool({ message: "must be true or false" }).optional(),
          errorType: z
            .enum(connectionErrorType.enumValues, {
              message: `must be one of ${connectionErrorType.enumValues.join(", ")}`,
            })
            .optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: errorId.optional(),
        }),
        response: {
          200: z.object({
            errors: z.array(errorSchema),
            /** The `before` of the next page; null on the last one. */
            nextBefore: z.number().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const { scope, limit, ...filter } = request.query;
      const errors = await errorsMatching(db, {
        ...filter,
        organizationId: scopedOrganization(request, scope),
        limit,
      });
      return {
        errors: errors.map(errorView),
        nextBefore: errors.length === limit ? errors[errors.length - 1]!.id : null,
      };
    },
  );

  app.post(
    "/api/social-media/errors/:id/resolve",
    {
      config: { access: "errors:resolve" },
      schema: {
        tags: ["connections"],
        summary: "Mark an open error incident resolved by hand",
        params: z.object({ id: errorId }),
        response: { 200: z.object({ error: errorSchema }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const user = currentUser(request);
      const [existing] = await db
        .select()
        .from(connectionErrors)
        .where(and(eq(connectionErrors.id, request.params.id), eq(connectionErrors.organizationId, organization.id)));
      if (!existing) throw notFound("That error", "id");
      if (existing.resolved) throw conflict("already_resolved", "That error is already resolved.", "id");
      const resolved = await audited(
        db,
        (tx) =>
          resolveErrorByHand(tx, {
            organizationId: organization.id,
            id: existing.id,
            userId: user.id,
            at: new Date(context.clock.now()),
          }),
        (row) =>
          row
            ? {
                action: "connection.error_resolved",
                organizationId: organization.id,
                ...requestOrigin(request),
                target: { type: "connection_error", id: String(row.id) },
                details: {
                  platform: row.platform,
                  errorType: row.errorType,
                  connectionId: row.connectionId,
                  occurrences: row.occurrences,
                },
              }
            : null,
      );
      if (!resolved) throw conflict("already_resolved", "That error is already resolved.", "id");
      return { error: errorView(resolved) };
    },
  );
};
