import { and, count, desc, eq, isNotNull, isNull, type SQL } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../../audit/audit.js";
import type { AppContext } from "../../context.js";
import type { Database } from "../../db/client.js";
import { alertReceipts, alerts } from "../../db/schema.js";
import { notFound } from "../../errors.js";
import { currentOrganization } from "../../http/authorization.js";
import { AppError } from "../../http/errors.js";
import type { Alert } from "./alerts.js";
import { resolveAlerts } from "./alerts.js";
import { AlertFeed } from "./feed.js";
import { preferenceRoutes } from "./preferences.js";
import { alertRules } from "./rules.js";

const alertView = z.object({
  id: z.uuid(),
  rule: z.enum(alertRules),
  severity: z.enum(["info", "warning", "critical"]),
  title: z.string(),
  message: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  occurrences: z.number(),
  firstAt: z.date(),
  lastAt: z.date(),
  resolvedAt: z.date().nullable(),
  /** The caller's own receipt: an alert they were not sent in-app counts as read. */
  read: z.boolean(),
});

const listQuery = z.object({
  unresolved: z.stringbool({ error: "must be true or false" }).optional(),
  rule: z.enum(alertRules, { message: `must be one of ${alertRules.join(", ")}` }).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const alertParams = z.object({ id: z.uuid("must be an alert id") });

/** What any member may see of an alert; the stream sends this, as it cannot know each reader's receipt. */
const fieldsOf = (alert: Alert) => ({
  id: alert.id,
  rule: alert.rule,
  severity: alert.severity,
  title: alert.title,
  message: alert.message,
  subjectType: alert.subjectType,
  subjectId: alert.subjectId,
  occurrences: alert.occurrences,
  firstAt: alert.firstAt,
  lastAt: alert.lastAt,
  resolvedAt: alert.resolvedAt,
});

const view = (alert: Alert, readAt: Date | null | undefined, inApp: boolean | null | undefined) => ({
  ...fieldsOf(alert),
  read: !inApp || Boolean(readAt),
});

/** One alert of the organization, with the caller's receipt; another organization's is not found. */
async function ownedAlert(db: Database, organizationId: string, userId: string, alertId: string) {
  const [row] = await db
    .select({ alert: alerts, readAt: alertReceipts.readAt, inApp: alertReceipts.inApp })
    .from(alerts)
    .leftJoin(alertReceipts, and(eq(alertReceipts.alertId, alerts.id), eq(alertReceipts.userId, userId)))
    .where(and(eq(alerts.id, alertId), eq(alerts.organizationId, organizationId)));
  if (!row) throw notFound("That alert", "id");
  return row;
}

async function unreadCount(db: Database, organizationId: string, userId: string) {
  const [row] = await db
    .select({ unread: count() })
    .from(alertReceipts)
    .where(
      and(
        eq(alertReceipts.organizationId, organizationId),
        eq(alertReceipts.userId, userId),
        eq(alertReceipts.inApp, true),
        isNull(alertReceipts.readAt),
      ),
    );
  return Number(row?.unread ?? 0);
}

const KEEP_ALIVE_MS = 15_000;

export const alertRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db } = context;
  const feed = new AlertFeed(db, app.log);
  const streams = new Set<() => void>();
  // Open streams never end by themselves: closing the server ends them first.
  app.addHook("preClose", async () => {
    for (const end of [...streams]) end();
    feed.stop();
  });

  await app.register(preferenceRoutes, context);

  app.get(
    "/api/alerts",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "The organization's alerts, latest first, with whether the caller has read each",
        querystring: listQuery,
        response: { 200: z.object({ alerts: z.array(alertView), nextOffset: z.number().nullable() }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { unresolved, rule, limit, offset } = request.query;
      const filters: (SQL | undefined)[] = [
        eq(alerts.organizationId, organization.id),
        unresolved === undefined ? undefined : unresolved ? isNull(alerts.resolvedAt) : isNotNull(alerts.resolvedAt),
        rule ? eq(alerts.rule, rule) : undefined,
      ];
      const rows = await db
        .select({ alert: alerts, readAt: alertReceipts.readAt, inApp: alertReceipts.inApp })
        .from(alerts)
        .leftJoin(
          alertReceipts,
          and(eq(alertReceipts.alertId, alerts.id), eq(alertReceipts.userId, request.auth!.user.id)),
        )
        .where(and(...filters))
        .orderBy(desc(alerts.lastAt), desc(alerts.id))
        .limit(limit + 1)
        .offset(offset);
      return {
        alerts: rows.slice(0, limit).map((row) => view(row.alert, row.readAt, row.inApp)),
        nextOffset: rows.length > limit ? offset + limit : null,
      };
    },
  );

  app.get(
    "/api/alerts/unread-count",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "How many of the caller's in-app alerts are unread",
        response: { 200: z.object({ unread: z.number() }) },
      },
    },
    async (request) => ({
      unread: await unreadCount(db, currentOrganization(request).id, request.auth!.user.id),
    }),
  );

  app.get(
    "/api/alerts/:id",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "One alert",
        params: alertParams,
        response: { 200: z.object({ alert: alertView }) },
      },
    },
    async (request) => {
      const row = await ownedAlert(db, currentOrganization(request).id, request.auth!.user.id, request.params.id);
      return { alert: view(row.alert, row.readAt, row.inApp) };
    },
  );

  app.post(
    "/api/alerts/:id/read",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "Mark one alert read for the caller",
        params: alertParams,
        response: { 200: z.object({ alert: alertView, unread: z.number() }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      const userId = request.auth!.user.id;
      const row = await ownedAlert(db, organizationId, userId, request.params.id);
      const readAt = row.readAt ?? new Date(context.clock.now());
      await db
        .update(alertReceipts)
        .set({ readAt })
        .where(
          and(eq(alertReceipts.alertId, row.alert.id), eq(alertReceipts.userId, userId), isNull(alertReceipts.readAt)),
        );
      return { alert: view(row.alert, readAt, row.inApp), unread: await unreadCount(db, organizationId, userId) };
    },
  );

  app.post(
    "/api/alerts/read-all",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary: "Mark every alert of the organization read for the caller",
        response: { 200: z.object({ marked: z.number(), unread: z.number() }) },
      },
    },
    async (request) => {
      const organizationId = currentOrganization(request).id;
      const userId = request.auth!.user.id;
      const marked = await db
        .update(alertReceipts)
        .set({ readAt: new Date(context.clock.now()) })
        .where(
          and(
            eq(alertReceipts.organizationId, organizationId),
            eq(alertReceipts.userId, userId),
            isNull(alertReceipts.readAt),
          ),
        )
        .returning({ alertId: alertReceipts.alertId });
      return { marked: marked.length, unread: await unreadCount(db, organizationId, userId) };
    },
  );

  app.post(
    "/api/alerts/:id/resolve",
    {
      config: { access: "alerts:manage" },
      schema: {
        tags: ["alerts"],
        summary: "Resolve an alert by hand: its incident is over; a new occurrence opens a new alert",
        params: alertParams,
        response: { 200: z.object({ alert: alertView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const userId = request.auth!.user.id;
      const row = await ownedAlert(db, organization.id, userId, request.params.id);
      if (row.alert.resolvedAt) return { alert: view(row.alert, row.readAt, row.inApp) };
      const [resolved] = await audited(
        db,
        (tx) =>
          resolveAlerts(context, tx, {
            organizationId: organization.id,
            incidentKeys: [row.alert.incidentKey],
            resolvedByUserId: userId,
          }),
        (closed) =>
          closed.length > 0
            ? {
                action: "alert.resolved",
                organizationId: organization.id,
                ...requestOrigin(request),
                target: { type: "alert", id: row.alert.id },
                details: { rule: row.alert.rule, title: row.alert.title },
              }
            : null,
      );
      return { alert: view(resolved ?? row.alert, row.readAt, row.inApp) };
    },
  );

  app.get(
    "/api/alerts/stream",
    {
      config: { access: "alerts:view" },
      schema: {
        tags: ["alerts"],
        summary:
          "Server-sent events (ask with Accept: text/event-stream): an `alert` event with the alert each time one of the organization's alerts is raised, repeats or is resolved",
        response: { 200: z.string().describe("text/event-stream") },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      if (!String(request.headers.accept ?? "").includes("text/event-stream"))
        throw new AppError(
          406,
          "not_acceptable",
          "This is an event stream: ask for it with Accept: text/event-stream.",
        );
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write("retry: 3000\n: connected\n\n");
      const unsubscribe = feed.subscribe(organization.id, (alert) => {
        raw.write(`event: alert\ndata: ${JSON.stringify(fieldsOf(alert))}\n\n`);
      });
      const keepAlive = setInterval(() => raw.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
      const end = () => {
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(end);
        raw.end();
      };
      streams.add(end);
      request.raw.on("close", end);
    },
  );
};
