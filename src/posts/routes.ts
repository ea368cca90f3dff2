import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppContext } from "../context.js";
import { mediaLibraryRoutes } from "./media-routes.js";
import { cancelPostRoutes } from "./routes/cancel.js";
import { createPostRoutes } from "./routes/create.js";
import { duplicateCheckRoutes } from "./routes/duplicates.js";
import { editPostRoutes } from "./routes/edit.js";
import { importRoutes } from "./routes/import.js";
import { listPostRoutes } from "./routes/list.js";
import { resolvePostRoutes } from "./routes/resolve.js";
import { retryPostRoutes } from "./routes/retry.js";
import { reviewPostRoutes } from "./routes/review.js";
import { slotRoutes } from "./routes/slots.js";

/**
 * Composing, scheduling and following posts. The parts are called in place rather than
 * registered, so they share this plugin's scope and the API document keeps its order.
 */
export const postRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  await createPostRoutes(app, context);
  await listPostRoutes(app, context);
  await editPostRoutes(app, context);
  await cancelPostRoutes(app, context);
  await retryPostRoutes(app, context);
  await resolvePostRoutes(app, context);
  await reviewPostRoutes(app, context);
  await mediaLibraryRoutes(app, context);
  await duplicateCheckRoutes(app, context);
  await slotRoutes(app, context);
  await importRoutes(app, context);
};
