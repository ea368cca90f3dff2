import { and, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Role } from "../../auth/permissions.js";
import type { AppContext } from "../../context.js";
import type { Database } from "../../db/client.js";
import { alertPreferences } from "../../db/schema.js";
import { currentOrganization } from "../../http/authorization.js";
import { alertRuleLabels, alertRules, defaultChannels } from "./rules.js";

const rule = z.enum(alertRules, { message: `must be one of ${alertRules.join(", ")}` });

const preferencesView = z.object({
  /** False when the server has no SMTP settings: e-mail choices are kept but nothing is sent. */
  emailAvailable: z.boolean(),
  rules: z.array(z.object({ rule, label: z.string(), inApp: z.boolean(), email: z.boolean() })),
});

const preferencesBody = z.object({
  rules: z
    .array(z.object({ rule, inApp: z.boolean(), email: z.boolean() }))
    .min(1)
    .max(alertRules.length),
});

async function preferencesOf(db: Database, scope: { organizationId: string; userId: string; role: Role }) {
  const chosen = await db
    .select()
    .from(alertPreferences)
    .where(and(eq(alertPreferences.organizationId, scope.organizationId), eq(alertPreferences.userId, scope.userId)));
  const byRule = new Map(chosen.map((row) => [row.rule, row]));
  return alertRules.map((name) => {
    const own = byRule.get(name);
    const channels = own ? { inApp: own.inApp, email: own.email } : defaultChannels(scope.role, name);
    return { rule: name, label: alertRuleLabels[name], ...channels };
  });
}

export const preferenceRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const emailAvailable = Boolean(context.config.mail);

  app.get(
    "/api/alerts/preferences",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "Which channels reach the caller for each kind of alert, and whether e-mail is set up",
        response: { 200: preferencesView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const scope = { organizationId: organization.id, userId: request.auth!.user.id, role: organization.role };
      return { emailAvailable, rules: await preferencesOf(db, scope) };
    },
  );

  app.put(
    "/api/alerts/preferences",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "Choose the caller's channels for some kinds of alert; those left out keep theirs",
        body: preferencesBody,
        response: { 200: preferencesView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const scope = { organizationId: organization.id, userId: request.auth!.user.id, role: organization.role };
      for (const choice of request.body.rules) {
        await db
          .insert(alertPreferences)
          .values({ organizationId: scope.organizationId, userId: scope.userId, ...choice })
          .onConflictDoUpdate({
            target: [alertPreferences.organizationId, alertPreferences.userId, alertPreferences.rule],
            set: { inApp: choice.inApp, email: choice.email },
          });
      }
      return { emailAvailable, rules: await preferencesOf(db, scope) };
    },
  );
};
