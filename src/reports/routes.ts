import { and, desc, eq, isNull } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { audited, requestOrigin } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { media, organizationLogos, reports, reportShareLinks } from "../db/schema.js";
import { DomainError, invalidInput, notFound } from "../errors.js";
import { ownedCampaign } from "../campaigns/store.js";
import { currentOrganization, currentUser } from "../http/authorization.js";
import { reportHtml } from "./html.js";
import { logoContentTypes } from "./logo.js";
import {
  definitionProblems,
  MAX_SHARE_DAYS,
  rangeQuery,
  reportBody,
  reportChanges,
  reportContentView,
  reportDetailView,
  reportParams,
  reportView,
  shareLinkBody,
  shareLinkParams,
  shareLinkView,
} from "./schemas.js";
import {
  hashShareToken,
  newShareToken,
  ownedReport,
  pdfFileName,
  rangeFor,
  renderedReport,
  reportDetail,
  shareLinkStatus,
} from "./store.js";

const tags = ["reports"];
const DAY_MS = 86_400_000;

/** Client reports: their definitions, content, PDF and share links; and the organization's logo they carry. */
export const reportRoutes: FastifyPluginAsyncZod<AppContext> = async (app, context) => {
  const { db, clock } = context;

  /** A report's campaign must be the organization's own: 404 naming the field otherwise. */
  const assertOwnCampaign = async (organizationId: string, campaignId: string | null | undefined) => {
    if (!campaignId) return;
    await ownedCampaign(db, organizationId, campaignId).catch((error: unknown) => {
      throw error instanceof DomainError && error.kind === "not_found"
        ? notFound("That campaign", "campaignId")
        : error;
    });
  };

  app.get(
    "/api/reports",
    {
      config: { access: "reports:view" },
      schema: {
        tags,
        summary: "The organization's client reports",
        response: { 200: z.object({ reports: z.array(reportView) }) },
      },
    },
    async (request) => ({
      reports: await db
        .select()
        .from(reports)
        .where(eq(reports.organizationId, currentOrganization(request).id))
        .orderBy(desc(reports.createdAt)),
    }),
  );

  app.post(
    "/api/reports",
    {
      config: { access: "reports:manage" },
      schema: {
        tags,
        summary: "Define a client report: its scope, range, recipients and schedule",
        description:
          "A relative range (last_7_days, last_month, month_to_date) is read in the report's time zone when the report is opened or sent. " +
          "A weekly or monthly schedule e-mails the PDF to the recipients once per week or month, at the hour in that zone.",
        body: reportBody,
        response: { 201: z.object({ report: reportView }) },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      await assertOwnCampaign(organization.id, request.body.campaignId);
      const now = new Date(clock.now());
      const report = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .insert(reports)
            .values({
              ...request.body,
              organizationId: organization.id,
              createdByUserId: currentUser(request).id,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          if (!row) throw new Error("insert returned no report");
          return row;
        },
        (row) => ({
          action: "report.created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "report", id: row.id },
          details: { title: row.title, scheduleKind: row.scheduleKind, recipients: row.recipients.length },
        }),
      );
      return reply.status(201).send({ report });
    },
  );

  app.get(
    "/api/reports/:reportId",
    {
      config: { access: "reports:view" },
      schema: {
        tags,
        summary: "A report's definition, its recent sendings (with failures) and its share links",
        params: reportParams,
        response: { 200: reportDetailView },
      },
    },
    async (request) =>
      reportDetail(context, await ownedReport(context, currentOrganization(request).id, request.params.reportId)),
  );

  app.patch(
    "/api/reports/:reportId",
    {
      config: { access: "reports:manage" },
      schema: {
        tags,
        summary: "Change a report's definition; what is left out is kept",
        params: reportParams,
        body: reportChanges,
        response: { 200: z.object({ report: reportView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const existing = await ownedReport(context, organization.id, request.params.reportId);
      await assertOwnCampaign(organization.id, request.body.campaignId);
      const merged = { ...existing, ...request.body };
      const [problem] = definitionProblems(merged);
      if (problem) throw invalidInput("invalid_report", `${problem.path}: ${problem.message}.`, problem.path);
      const report = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .update(reports)
            .set({ ...request.body, updatedAt: new Date(clock.now()) })
            .where(and(eq(reports.id, existing.id), eq(reports.organizationId, organization.id)))
            .returning();
          if (!row) throw notFound("That report", "reportId");
          return row;
        },
        {
          action: "report.updated",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "report", id: existing.id },
          details: { fields: Object.keys(request.body) },
        },
      );
      return { report };
    },
  );

  app.delete(
    "/api/reports/:reportId",
    {
      config: { access: "reports:manage" },
      schema: {
        tags,
        summary: "Delete a report, its sending history and its share links (which stop at once)",
        params: reportParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const { reportId } = request.params;
      await audited(
        db,
        async (tx) => {
          const [deleted] = await tx
            .delete(reports)
            .where(and(eq(reports.id, reportId), eq(reports.organizationId, organization.id)))
            .returning({ title: reports.title });
          if (!deleted) throw notFound("That report", "reportId");
          return deleted;
        },
        (deleted) => ({
          action: "report.deleted",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "report", id: reportId },
          details: { title: deleted.title },
        }),
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/reports/:reportId/content",
    {
      config: { access: "reports:view" },
      schema: {
        tags,
        summary: "The report's figures over its range (or start to end), and the same as the page shows them",
        description:
          "The totals are GET /api/analytics's for the same days; each KPI's change is against the as-long period before. A missing figure is null with why.",
        params: reportParams,
        querystring: rangeQuery,
        response: { 200: z.object({ content: reportContentView, html: z.string() }) },
      },
    },
    async (request) => {
      const report = await ownedReport(context, currentOrganization(request).id, request.params.reportId);
      const { content, logo } = await renderedReport(context, report, rangeFor(context, report, request.query));
      return { content, html: reportHtml(content, logo) };
    },
  );

  app.get(
    "/api/reports/:reportId/pdf",
    {
      config: { access: "reports:view" },
      schema: {
        tags,
        summary: "The report as a PDF, over its range or start to end",
        params: reportParams,
        querystring: rangeQuery,
        produces: ["application/pdf"],
        response: { 200: z.any().describe("application/pdf") },
      },
    },
    async (request, reply) => {
      const report = await ownedReport(context, currentOrganization(request).id, request.params.reportId);
      const range = rangeFor(context, report, request.query);
      const pdf = await (await renderedReport(context, report, range)).pdf();
      return reply
        .header("content-type", "application/pdf")
        .header("content-disposition", `attachment; filename="${pdfFileName(report, range)}"`)
        .send(pdf);
    },
  );

  app.post(
    "/api/reports/:reportId/share-links",
    {
      config: { access: "reports:manage" },
      schema: {
        tags,
        summary: "A read-only link to this report for people without an account; expires, revocable",
        description: `The link opens this report alone (web page and PDF) until it expires (at most ${MAX_SHARE_DAYS} days) or is revoked.`,
        params: reportParams,
        body: shareLinkBody,
        response: {
          201: z.object({
            shareLink: shareLinkView,
            url: z.string().describe("The link, shown this once: only a hash of its token is kept."),
          }),
        },
      },
    },
    async (request, reply) => {
      const organization = currentOrganization(request);
      const report = await ownedReport(context, organization.id, request.params.reportId);
      const token = newShareToken();
      const now = clock.now();
      const link = await audited(
        db,
        async (tx) => {
          const [row] = await tx
            .insert(reportShareLinks)
            .values({
              organizationId: organization.id,
              reportId: report.id,
              tokenHash: hashShareToken(token),
              createdByUserId: currentUser(request).id,
              createdAt: new Date(now),
              expiresAt: new Date(now + request.body.expiresInDays * DAY_MS),
            })
            .returning();
          if (!row) throw new Error("insert returned no share link");
          return row;
        },
        (row) => ({
          action: "report.share_link_created",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "report", id: report.id },
          details: { shareLinkId: row.id, expiresAt: row.expiresAt.toISOString() },
        }),
      );
      return reply.status(201).send({
        shareLink: { ...link, status: shareLinkStatus(link, now) },
        url: new URL(`/r/${token}`, context.publicUrl()).toString(),
      });
    },
  );

  app.delete(
    "/api/reports/:reportId/share-links/:linkId",
    {
      config: { access: "reports:manage" },
      schema: {
        tags,
        summary: "Revoke a share link: it answers 410 from now on",
        params: shareLinkParams,
        response: { 200: z.object({ shareLink: shareLinkView }) },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { reportId, linkId } = request.params;
      const now = clock.now();
      const link = await audited(
        db,
        async (tx) => {
          const where = and(
            eq(reportShareLinks.id, linkId),
            eq(reportShareLinks.reportId, reportId),
            eq(reportShareLinks.organizationId, organization.id),
          );
          const [revoked] = await tx
            .update(reportShareLinks)
            .set({ revokedAt: new Date(now) })
            .where(and(where, isNull(reportShareLinks.revokedAt)))
            .returning();
          if (revoked) return { row: revoked, changed: true };
          const [existing] = await tx.select().from(reportShareLinks).where(where);
          if (!existing) throw notFound("That share link", "linkId");
          return { row: existing, changed: false };
        },
        ({ changed }) =>
          changed
            ? {
                action: "report.share_link_revoked",
                organizationId: organization.id,
                ...requestOrigin(request),
                target: { type: "report", id: reportId },
                details: { shareLinkId: linkId },
              }
            : null,
      );
      return { shareLink: { ...link.row, status: shareLinkStatus(link.row, now) } };
    },
  );

  const logoView = z.object({ mediaId: z.uuid().nullable() });

  app.get(
    "/api/organization/logo",
    {
      config: { access: "organization:view" },
      schema: {
        tags,
        summary: "The media library image the organization's reports carry as its logo",
        response: { 200: logoView },
      },
    },
    async (request) => {
      const [row] = await db
        .select({ mediaId: organizationLogos.mediaId })
        .from(organizationLogos)
        .where(eq(organizationLogos.organizationId, currentOrganization(request).id));
      return { mediaId: row?.mediaId ?? null };
    },
  );

  app.put(
    "/api/organization/logo",
    {
      config: { access: "organization:manage" },
      schema: {
        tags,
        summary: "Choose an image of the media library (PNG or JPEG) as the logo on the organization's reports",
        body: z.object({ mediaId: z.uuid("must be a media id") }),
        response: { 200: logoView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      const { mediaId } = request.body;
      const [record] = await db
        .select({ contentType: media.contentType })
        .from(media)
        .where(and(eq(media.id, mediaId), eq(media.organizationId, organization.id)));
      if (!record) throw notFound("That media file", "mediaId");
      if (!(logoContentTypes as readonly string[]).includes(record.contentType))
        throw invalidInput("logo_type", "mediaId: a logo must be a PNG or JPEG image.", "mediaId");
      const now = new Date(clock.now());
      await audited(
        db,
        (tx) =>
          tx
            .insert(organizationLogos)
            .values({ organizationId: organization.id, mediaId, updatedAt: now })
            .onConflictDoUpdate({ target: organizationLogos.organizationId, set: { mediaId, updatedAt: now } }),
        {
          action: "organization.logo_changed",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "organization", id: organization.id },
          details: { mediaId },
        },
      );
      return { mediaId };
    },
  );

  app.delete(
    "/api/organization/logo",
    {
      config: { access: "organization:manage" },
      schema: {
        tags,
        summary: "Reports carry no logo from now on",
        response: { 200: logoView },
      },
    },
    async (request) => {
      const organization = currentOrganization(request);
      await audited(
        db,
        (tx) => tx.delete(organizationLogos).where(eq(organizationLogos.organizationId, organization.id)),
        {
          action: "organization.logo_changed",
          organizationId: organization.id,
          ...requestOrigin(request),
          target: { type: "organization", id: organization.id },
          details: { mediaId: null },
        },
      );
      return { mediaId: null };
    },
  );
};
