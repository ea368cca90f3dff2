import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { accountRoutes } from "./routes/accounts.js";
import { allowanceRoutes } from "./routes/allowance.js";
import { connectRoutes } from "./routes/connect.js";
import { connectionHealthRoutes } from "./routes/health.js";
import { errorRoutes } from "./routes/errors.js";

/**
 * Connecting social accounts and keeping them usable. The parts are called in place rather than
 * registered, so they share this plugin's scope and the API document keeps its order.
 */
export const connectionRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  await connectRoutes(app, context);
  await accountRoutes(app, context);
  await connectionHealthRoutes(app, context);
  await errorRoutes(app, context);
  await allowanceRoutes(app, context);
};
