import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import { currentOrganization } from "../../http/authorization.js";
import { saveSchedule, scheduleOf, slotScheduleSchema } from "../slots.js";

const connectionParams = z.object({ id: z.uuid("must be a connection id") });

const scheduleView = slotScheduleSchema.extend({ updatedAt: z.date().nullable() });

/** Each account's weekly posting times, which "add to queue" (`queue: true` on a new post) picks from. */
export const slotRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.get(
    "/api/social-media/connections/:id/slots",
    {
      config: { access: "connections:view" },
      schema: {
        tags: ["posts"],
        summary: "The account's weekly posting slots and their time zone; none, in UTC, until set",
        params: connectionParams,
        response: { 200: z.object({ schedule: scheduleView }) },
      },
    },
    async (request) => ({
      schedule: await scheduleOf(context, currentOrganization(request).id, request.params.id),
    }),
  );

  app.put(
    "/api/social-media/connections/:id/slots",
    {
      config: {
        access: "slots:manage",
        bodyExample: {
          timeZone: "Europe/Paris",
          slots: [
            { weekday: 1, time: "09:00" },
            { weekday: 1, time: "15:00" },
          ],
        },
      },
      schema: {
        tags: ["posts"],
        summary:
          "Replace the account's weekly posting slots: ISO weekdays (1 Monday … 7 Sunday) and HH:MM times in an IANA time zone, at most 50",
        params: connectionParams,
        body: slotScheduleSchema,
        response: { 200: z.object({ schedule: scheduleView }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      await saveSchedule(context, {
        organizationId,
        connectionId: request.params.id,
        schedule: request.body,
        origin: requestOrigin(request),
      });
      return { schedule: await scheduleOf(context, organizationId, request.params.id) };
    },
  );
};
