import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { rewrapDataKeys } from "./vault.js";

/**
 * `npm run keys:rotate` against a running embedded server: PGlite belongs to one process, so
 * the command asks the server to re-wrap, authenticated by the control token in the data folder.
 */
export const vaultControlRoutes: FastifyPluginAsyncZod<AppContext> = async (app, { db, keyRing, clock }) => {
  app.post(
    "/api/internal/keys/rotate",
    {
      config: { access: "control" },
      schema: {
        tags: ["internal"],
        summary: "Re-wrap every organization data key under the current master key version",
        response: { 200: z.object({ masterKeyVersion: z.number(), rewrapped: z.number(), failed: z.array(z.uuid()) }) },
      },
    },
    async (request) => {
      // Each organization's key is re-wrapped in its own savepoint: one that cannot be opened is
      // reported as failed while the others, and the entry, commit together.
      return audited(
        db,
        (tx) => rewrapDataKeys(tx, keyRing, { clock }),
        (result) => ({ action: "vault.keys_rotated", ip: request.ip, details: { ...result } }),
      );
    },
  );
};
