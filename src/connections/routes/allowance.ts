import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../../context.js";
import { conflict, upstreamFailed } from "../../errors.js";
import { isBotPlatform } from "../../platforms/platform.js";
import { PlatformError } from "../../platforms/failure.js";
import { platformAccess } from "../access.js";
import { describeFailure, withFreshToken } from "../health.js";
import { ownedConnection } from "./requests.js";
import { connectionParams } from "./schemas.js";

const allowanceSchema = z.object({
  postingAs: z.string().optional(),
  choices: z.record(z.string(), z.array(z.string())).optional(),
  disabled: z.array(z.string()).optional(),
  maxVideoSeconds: z.number().optional(),
});

/** What an account allows a post to choose now, asked of its platform when the composer opens. */
export const allowanceRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  app.get(
    "/api/social-media/connections/:id/allowance",
    {
      config: { access: "posts:create" },
      schema: {
        tags: ["connections"],
        summary:
          "What the account allows a post to choose right now (who it posts as, the choices it offers, what it switched off); empty where the platform does not say",
        params: connectionParams,
        response: { 200: z.object({ allowance: allowanceSchema }) },
      },
    },
    async (request) => {
      const connection = await ownedConnection(context.db, request, request.params.id);
      if (connection.status === "disconnected")
        throw conflict("disconnected", "This account is disconnected: connect it again.");
      const { definition } = platformAccess(context, connection.platform, connection.variant);
      if (isBotPlatform(definition) || !definition.allowance) return { allowance: {} };
      const account = { externalId: connection.externalId, details: connection.details };
      try {
        const allowance = await withFreshToken(context, connection, {}, ({ api, context: platformContext }) =>
          definition.allowance!(api, account, platformContext),
        );
        return { allowance };
      } catch (error) {
        if (!(error instanceof PlatformError)) throw error;
        throw upstreamFailed("platform_unavailable", describeFailure(error));
      }
    },
  );
};
