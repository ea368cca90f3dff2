import { and, eq, lt, ne, or, sql } from "drizzle-orm";
import type { Transporter } from "nodemailer";
import type { Logger } from "pino";
import { recordAudit } from "../audit/audit.js";
import type { AppContext } from "../context.js";
import { organizations, reports, reportSendings } from "../db/schema.js";
import { queues } from "../jobs/queue.js";
import { formatRange, kpiLine } from "./format.js";
import { latestOccurrence, resolveRange, type DayRange } from "./periods.js";
import { pdfFileName, renderedReport, type Report } from "./store.js";

const MINUTE = 60_000;
/** A failed sending is tried again after this, by the app's clock, up to MAX_ATTEMPTS in all. */
const RETRY_AFTER_MS = 15 * MINUTE;
const MAX_ATTEMPTS = 3;
/**
 * A sending claimed this long ago and never finished belongs to a worker that died: it is taken
 * again, so a crash between the e-mail leaving and the record of it may send that period twice.
 */
const ABANDONED_AFTER_MS = 30 * MINUTE;

type Claim = typeof reportSendings.$inferSelect;

/**
 * Claims a report's period before anything is sent: the unique (report, period) row is made by
 * one worker alone, so two workers or a repeated tick send it once. A failed one is claimed
 * again after a while, a few times; an abandoned one once it is clearly abandoned.
 */
async function claim(
  context: AppContext,
  report: Report,
  periodKey: string,
  range: DayRange,
): Promise<Claim | undefined> {
  const now = context.clock.now();
  const [fresh] = await context.db
    .insert(reportSendings)
    .values({
      organizationId: report.organizationId,
      reportId: report.id,
      periodKey,
      rangeStart: range.start,
      rangeEnd: range.end,
      state: "sending",
      claimedAt: new Date(now),
    })
    .onConflictDoNothing()
    .returning();
  if (fresh) return fresh;
  const [retaken] = await context.db
    .update(reportSendings)
    .set({ state: "sending", attempts: sql`${reportSendings.attempts} + 1`, claimedAt: new Date(now), error: null })
    .where(
      and(
        eq(reportSendings.reportId, report.id),
        eq(reportSendings.periodKey, periodKey),
        or(
          and(
            eq(reportSendings.state, "failed"),
            lt(reportSendings.attempts, MAX_ATTEMPTS),
            lt(reportSendings.claimedAt, new Date(now - RETRY_AFTER_MS)),
          ),
          and(eq(reportSendings.state, "sending"), lt(reportSendings.claimedAt, new Date(now - ABANDONED_AFTER_MS))),
        ),
      ),
    )
    .returning();
  return retaken;
}

/** Where the report is seen in the dashboard; absent in a worker that is told no PUBLIC_URL. */
function reportLink(context: AppContext, report: Report, range: DayRange): URL | undefined {
  try {
    const link = new URL(`/reports/${report.id}`, context.publicUrl());
    link.searchParams.set("start", range.start);
    link.searchParams.set("end", range.end);
    return link;
  } catch {
    return undefined;
  }
}

/** The e-mail of a report: its key figures as text, a link to it in the dashboard, and the PDF attached. */
async function reportEmail(context: AppContext, report: Report, range: DayRange) {
  const rendered = await renderedReport(context, report, range);
  const [organization] = await context.db
    .select({ name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, report.organizationId));
  const link = reportLink(context, report, range);
  const text = [
    `${report.title}: ${formatRange(range)}`,
    "",
    ...rendered.content.kpis.map(kpiLine),
    "",
    ...(link ? [`See it in the dashboard: ${link.toString()}`, ""] : []),
    `The full report is attached as a PDF. You receive this because ${organization?.name ?? "an organization"} added you to this report's recipients.`,
  ].join("\n");
  return {
    subject: `[${organization?.name ?? "Report"}] ${report.title}: ${formatRange(range)}`,
    text,
    attachments: [
      { filename: pdfFileName(report, range), content: await rendered.pdf(), contentType: "application/pdf" },
    ],
  };
}

/**
 * Sends each scheduled report whose period has come and has no sending yet, through the mail
 * settings the alerts use. A period is sent only once it began after the report was made.
 */
export async function sendDueReports(context: AppContext, logger: Logger, transport: Transporter | undefined) {
  const now = context.clock.now();
  const scheduled = await context.db.select().from(reports).where(ne(reports.scheduleKind, "none"));
  for (const report of scheduled) {
    const occurrence = latestOccurrence(report, now);
    if (!occurrence || occurrence.at < report.createdAt.getTime() || report.recipients.length === 0) continue;
    const range = resolveRange(report, occurrence.at);
    const claimed = await claim(context, report, occurrence.periodKey, range);
    if (!claimed) continue;
    const fields = { reportId: report.id, periodKey: occurrence.periodKey };
    try {
      if (!transport || !context.config.mail) throw new Error("no mail server is configured (SMTP_URL or SMTP_HOST)");
      const message = await reportEmail(context, report, range);
      await transport.sendMail({ from: context.config.mail.from, to: report.recipients, ...message });
      await context.db
        .update(reportSendings)
        .set({ state: "sent", sentAt: new Date(context.clock.now()) })
        .where(eq(reportSendings.id, claimed.id));
      await recordAudit(context.db, {
        action: "report.sent",
        organizationId: report.organizationId,
        target: { type: "report", id: report.id },
        details: { periodKey: occurrence.periodKey, recipients: report.recipients.length },
      });
      logger.info(fields, "report e-mailed");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await context.db
        .update(reportSendings)
        .set({ state: "failed", error: reason.slice(0, 1_000) })
        .where(eq(reportSendings.id, claimed.id));
      await recordAudit(context.db, {
        action: "report.send_failed",
        organizationId: report.organizationId,
        target: { type: "report", id: report.id },
        details: { periodKey: occurrence.periodKey, attempt: claimed.attempts, error: reason.slice(0, 300) },
      });
      logger.warn({ ...fields, err: error }, "report e-mail failed");
    }
  }
}

/** A sweep each minute, and at once when the clock jumps, sends what has come due. */
export async function startReportJobs(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const { boss } = context.queue;
  // Loaded only where mail is configured, as the alerts' mail is.
  const transport = context.config.mail
    ? (await import("nodemailer")).default.createTransport(context.config.mail.smtp)
    : undefined;
  const sweep = () => sendDueReports(context, logger, transport);
  await boss.work(queues.reportsSweep, { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds }, sweep);
  await boss.schedule(queues.reportsSweep, "* * * * *");
  const stopListening = context.clock.onAdvance?.(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, "report sweep after the clock moved failed"));
  });
  return async () => {
    stopListening?.();
    await boss.offWork(queues.reportsSweep);
    transport?.close();
  };
}
