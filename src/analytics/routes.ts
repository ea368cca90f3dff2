import { and, eq, inArray } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { connections } from "../db/schema.js";
import { notFound } from "../errors.js";
import { currentOrganization } from "../http/authorization.js";
import { publicMediaUrl } from "../posts/media.js";
import { analyticsOf, platformName } from "./catalogue.js";
import { makeDueNow } from "./schedule.js";
import { analyticsCsv } from "./export.js";
import { enqueueCollections } from "./jobs.js";
import { analyticsReport } from "./report.js";
import {
  accountQuery,
  accountReportView,
  connectionParams,
  overviewView,
  postMetricsView,
  postParams,
  refreshBody,
  refreshView,
  reportQuery,
  reportView,
  resolveFilters,
} from "./schemas.js";
import { accountReport, overview, postMetrics } from "./views.js";

const tags = ["analytics"];

export const analyticsRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, clock } = context;
  const mediaUrl = (record: { publicToken: string; fileName: string }) => publicMediaUrl(context, record);

  app.get(
    "/api/analytics",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary: "Reach, impressions, engagement and its rate, top posts and a daily series, per platform and in total",
        description:
          "Totals are sums of the latest stored values of the posts published in the range (start and end days, UTC, inclusive); " +
          "the series sums the accounts' daily metrics. A metric without a value is null and listed in `unavailable` with why — never 0. " +
          "Engagement rate = (reactions + comments + shares + saves) ÷ views over the posts that have both; by reach where the platform measures reach.",
        querystring: reportQuery,
        response: { 200: reportView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      return analyticsReport(context, organization.id, resolveFilters(request.query, clock.now()), mediaUrl);
    },
  );

  app.get(
    "/api/analytics/overview",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary:
          "The Overview's tiles: active connections and posts today (live), engagement rate and reach (as stored)",
        response: { 200: overviewView },
      },
    },
    async (request) => overview(context, currentOrganization(request).id),
  );

  app.get(
    "/api/analytics/export.csv",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary:
          "The posts of a report as CSV: a row per account a post went to; a missing value is an empty cell, explained",
        querystring: reportQuery,
        produces: ["text/csv"],
        response: { 200: z.string().describe("text/csv") },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const filters = resolveFilters(request.query, clock.now());
      const csv = await analyticsCsv(context, organization.id, filters);
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="analytics-${filters.start}-${filters.end}.csv"`)
        .send(csv);
    },
  );

  app.get(
    "/api/analytics/posts/:postId",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary: "One post's metrics on each account it went to: the latest values and every snapshot taken",
        params: postParams,
        response: { 200: postMetricsView },
      },
    },
    async (request) => postMetrics(context, currentOrganization(request).id, request.params.postId),
  );

  app.get(
    "/api/analytics/accounts/:connectionId",
    {
      config: { access: "analytics:view" },
      schema: {
        tags,
        summary: "One account's daily metrics, followers and their growth, and what it does not provide",
        params: connectionParams,
        querystring: accountQuery,
        response: { 200: accountReportView },
      },
    },
    async (request) =>
      accountReport(context, currentOrganization(request).id, request.params.connectionId, request.query),
  );

  app.post(
    "/api/analytics/refresh",
    {
      config: { access: "analytics:refresh" },
      schema: {
        tags,
        summary: "Collect the organization's metrics now (or some accounts'), within the platforms' read budgets",
        body: refreshBody,
        response: { 202: refreshView },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const asked = request.body?.connectionIds;
      const rows = await db
        .select({ id: connections.id, platform: connections.platform, status: connections.status })
        .from(connections)
        .where(
          and(
            eq(connections.organizationId, organization.id),
            asked && asked.length > 0 ? inArray(connections.id, asked) : undefined,
          ),
        );
      if (asked && asked.some((id) => !rows.some((row) => row.id === id)))
        throw notFound("That account", "connectionIds");
      const skipped = [];
      const collectable = [];
      for (const row of rows) {
        if (!analyticsOf(row))
          skipped.push({
            connectionId: row.id,
            platform: row.platform,
            reason: `analytics not provided by ${platformName(row.platform)}`,
          });
        else if (row.status !== "healthy")
          skipped.push({
            connectionId: row.id,
            platform: row.platform,
            reason: `the account is ${row.status}: its last values stand until it is healthy again`,
          });
        else collectable.push(row);
      }
      const posts = await makeDueNow(
        context,
        collectable.map((row) => row.id),
      );
      await enqueueCollections(
        context,
        collectable.map((row) => row.id),
      );
      return reply.status(202).send({
        queued: collectable.map((row) => ({
          connectionId: row.id,
          platform: row.platform,
          posts: posts.get(row.id) ?? 0,
          account: true,
        })),
        skipped,
      });
    },
  );
};
