import type { FastifySchema } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { permissions, roles, rolePermissions, type RouteAccess } from "../auth/permissions.js";

type Transform = typeof jsonSchemaTransform;

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A request body the API document shows as its example. Given here rather than with zod's
     * `.meta()`, which the document's input schemas drop once a field has a default or a transform.
     */
    bodyExample?: Record<string, unknown>;
  }
}

/** How a caller proves who it is, as the OpenAPI document names the ways. */
export const securitySchemes = {
  session: {
    type: "apiKey",
    in: "cookie",
    name: "msid",
    description:
      "The dashboard's session, from POST /api/auth/login. Changes must come with the dashboard's Origin header.",
  },
  apiKey: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "msk_…",
    description:
      "An organization's API key (made on the dashboard's API keys page): `Authorization: Bearer msk_…`, no cookie and no Origin. " +
      "A key has ADMIN's or USER's permissions in its organization only, and a budget of requests per minute " +
      "answered in the RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers (429 with Retry-After when spent).",
  },
  controlToken: {
    type: "http",
    scheme: "bearer",
    description: "The local operator's control token of an embedded server (npm run keys:rotate).",
  },
} as const;

export const idempotencyDescription =
  "Takes an `Idempotency-Key` header (1 to 255 printable characters, such as a UUID): a retry with the same key " +
  "and the same request answers the first success again (`Idempotent-Replayed: true`) and creates nothing; the " +
  "same key with another request is a 422; while the first is still running, a 409. Kept 24 hours.";

function rolesHolding(access: (typeof permissions)[number]): string[] {
  return roles.filter((role) => rolePermissions[role].has(access));
}

/** Who may call a route, in words, and which of the security schemes it takes. */
function accessOf(access: RouteAccess | undefined, sessionOnly: boolean) {
  switch (access) {
    case undefined:
    case "public":
      return { security: [], text: "Access: public." };
    case "control":
      return { security: [{ controlToken: [] }], text: "Access: the server's local control token." };
    case "signed-in":
      return { security: [{ session: [] }], text: "Access: any signed-in session (not API keys)." };
    default: {
      const holders = rolesHolding(access).join(", ");
      const keys = sessionOnly
        ? "not API keys"
        : `API keys of role ${rolesHolding(access)
            .filter((role) => role === "ADMIN" || role === "USER")
            .join(" or ")}`;
      return {
        security: sessionOnly ? [{ session: [] }] : [{ session: [] }, { apiKey: [] }],
        text: `Access: \`${access}\` — ${holders || "no role"}; ${keys}.`,
      };
    }
  }
}

/**
 * The zod transform, plus each operation's access in words (the permission, the roles holding it,
 * whether API keys may call it), its security schemes, and the Idempotency-Key on creating routes.
 */
export const documentAccess: Transform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const config = input.route.config as
    { access?: RouteAccess; sessionOnly?: boolean; bodyExample?: Record<string, unknown> } | undefined;
  const access = config?.access;
  const sessionOnly = access === "signed-in" || config?.sessionOnly === true;
  const { security, text } = accessOf(access, sessionOnly);
  const creating =
    [input.route.method].flat().includes("POST") &&
    !sessionOnly &&
    access !== undefined &&
    access !== "public" &&
    access !== "control";
  const schema = transformed.schema as FastifySchema & { description?: string; security?: unknown };
  const body =
    config?.bodyExample && schema.body
      ? { ...(schema.body as Record<string, unknown>), examples: [config.bodyExample] }
      : schema.body;
  const description = [schema.description, text, creating ? idempotencyDescription : undefined]
    .filter(Boolean)
    .join("\n\n");
  return {
    ...transformed,
    schema: { ...schema, body, description, security, "x-access": access ?? "public" } as FastifySchema,
  };
};
