import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq } from "drizzle-orm";
import type { AppContext } from "../context.js";
import { reports, reportSendings, reportShareLinks } from "../db/schema.js";
import { notFound } from "../errors.js";
import { resolveRange, type DayRange } from "./periods.js";
import { reportContent } from "./content.js";
import { organizationLogo } from "./logo.js";
import { reportPdf } from "./pdf.js";
import type { ReportContent } from "./schemas.js";

export type Report = typeof reports.$inferSelect;
type ShareLink = typeof reportShareLinks.$inferSelect;

/** Sendings shown with a report: the latest first. */
const SENDINGS_SHOWN = 20;
const SHARE_TOKEN_BYTES = 32;
const SHARE_TOKEN_PREFIX = "msr_";

export async function ownedReport(context: AppContext, organizationId: string, reportId: string): Promise<Report> {
  const [report] = await context.db
    .select()
    .from(reports)
    .where(and(eq(reports.id, reportId), eq(reports.organizationId, organizationId)));
  if (!report) throw notFound("That report", "reportId");
  return report;
}

export function shareLinkStatus(link: ShareLink, now: number): "active" | "expired" | "revoked" {
  if (link.revokedAt) return "revoked";
  return link.expiresAt.getTime() <= now ? "expired" : "active";
}

export async function reportDetail(context: AppContext, report: Report) {
  const [sendings, links] = await Promise.all([
    context.db
      .select()
      .from(reportSendings)
      .where(eq(reportSendings.reportId, report.id))
      .orderBy(desc(reportSendings.claimedAt))
      .limit(SENDINGS_SHOWN),
    context.db
      .select()
      .from(reportShareLinks)
      .where(eq(reportShareLinks.reportId, report.id))
      .orderBy(desc(reportShareLinks.createdAt)),
  ]);
  const now = context.clock.now();
  return {
    report,
    sendings: sendings.map((sending) => ({
      id: sending.id,
      periodKey: sending.periodKey,
      range: { start: sending.rangeStart, end: sending.rangeEnd },
      state: sending.state,
      attempts: sending.attempts,
      claimedAt: sending.claimedAt,
      sentAt: sending.sentAt,
      error: sending.error,
    })),
    shareLinks: links.map((link) => ({
      id: link.id,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt,
      revokedAt: link.revokedAt,
      status: shareLinkStatus(link, now),
    })),
  };
}

/** The range asked for, or the report's own as of now. */
export const rangeFor = (context: AppContext, report: Report, asked: Partial<DayRange>): DayRange =>
  asked.start && asked.end ? { start: asked.start, end: asked.end } : resolveRange(report, context.clock.now());

/** The report rendered: its content, and the PDF made from it with the organization's logo. */
export async function renderedReport(
  context: AppContext,
  report: Report,
  range: DayRange,
): Promise<{ content: ReportContent; pdf: () => Promise<Buffer>; logo: Awaited<ReturnType<typeof organizationLogo>> }> {
  const [content, logo] = await Promise.all([
    reportContent(context, report, range),
    organizationLogo(context, report.organizationId),
  ]);
  return { content, logo, pdf: () => reportPdf(content, logo) };
}

export const pdfFileName = (report: Report, range: DayRange) =>
  `${
    report.title
      .replace(/[^\w-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "report"
  }-${range.start}-${range.end}.pdf`;

export const hashShareToken = (token: string) => createHash("sha256").update(token).digest("hex");

export const newShareToken = () => `${SHARE_TOKEN_PREFIX}${randomBytes(SHARE_TOKEN_BYTES).toString("base64url")}`;

/** The link a token opens, with its report; undefined for a token no link has. */
export async function sharedReport(context: AppContext, token: string) {
  const [row] = await context.db
    .select({ link: reportShareLinks, report: reports })
    .from(reportShareLinks)
    .innerJoin(reports, eq(reports.id, reportShareLinks.reportId))
    .where(eq(reportShareLinks.tokenHash, hashShareToken(token)));
  return row;
}
