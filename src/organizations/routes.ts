import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { invitationLinkRoutes } from "./routes/invitation-links.js";
import { invitationRoutes } from "./routes/invitations.js";
import { memberRoutes } from "./routes/members.js";
import { organizationsRoutes } from "./routes/organizations.js";

/**
 * Organizations, their members and invitations. The parts are called in place rather than
 * registered, so they share this plugin's scope and the API document keeps its order.
 */
export const organizationRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  await organizationsRoutes(app, context);
  await memberRoutes(app, context);
  await invitationRoutes(app, context);
  await invitationLinkRoutes(app, context);
};
