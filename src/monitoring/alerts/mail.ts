import { and, eq } from "drizzle-orm";
import type { Logger } from "pino";
import { alertReceipts, alerts, organizations, users } from "../../db/schema.js";
import type { AppContext } from "../../context.js";
import { queues } from "../../jobs/queue.js";
import type { Alert, AlertEmailJob } from "./alerts.js";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** Where the alert is seen in the dashboard; absent in a worker that is told no PUBLIC_URL. */
function alertLink(context: AppContext, alert: Alert): URL | undefined {
  try {
    const url = new URL("/alerts", context.publicUrl());
    url.searchParams.set("alert", alert.id);
    return url;
  } catch {
    return undefined;
  }
}

/** The e-mail for one alert: its own words and a link, nothing else (no token or secret is ever in an alert). */
export function alertEmail(alert: Alert, organizationName: string, link: URL | undefined) {
  const subject = `[${organizationName}] ${alert.title}`;
  const text = [
    alert.title,
    "",
    alert.message,
    "",
    ...(link ? [`See it in the dashboard: ${link.toString()}`, ""] : []),
    `You receive this because you chose e-mail for this kind of alert in ${organizationName}; change it in the dashboard's alert settings.`,
  ].join("\n");
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h2 style="margin:0 0 8px">${escapeHtml(alert.title)}</h2>
<p>${escapeHtml(alert.message)}</p>
${link ? `<p><a href="${escapeHtml(link.toString())}">See it in the dashboard</a></p>` : ""}
<p style="color:#666;font-size:12px">You receive this because you chose e-mail for this kind of alert in ${escapeHtml(organizationName)}.</p>
</body></html>`;
  return { subject, text, html };
}

/**
 * Sends alert e-mails, one job per alert and recipient, retried with backoff by pg-boss. Run by
 * every process, API ones included, so the alert that no worker runs still reaches its people.
 * The receipt's `emailed_at` keeps a retried job from sending twice what was already sent.
 */
export async function startAlertMail(context: AppContext, logger: Logger): Promise<() => Promise<void>> {
  const mail = context.config.mail;
  if (!mail) return async () => undefined;
  // Loaded only where mail is configured: an idle server without it need not hold its 3 MB of heap.
  const { default: nodemailer } = await import("nodemailer");
  const transport = nodemailer.createTransport(mail.smtp);
  const { boss } = context.queue;
  await boss.work<AlertEmailJob>(
    queues.alertEmail,
    { pollingIntervalSeconds: context.config.worker.pollingIntervalSeconds, batchSize: 1 },
    async ([job]) => {
      if (!job) return;
      const [found] = await context.db
        .select({
          alert: alerts,
          email: users.email,
          emailedAt: alertReceipts.emailedAt,
          organization: organizations.name,
        })
        .from(alertReceipts)
        .innerJoin(alerts, eq(alerts.id, alertReceipts.alertId))
        .innerJoin(users, eq(users.id, alertReceipts.userId))
        .innerJoin(organizations, eq(organizations.id, alertReceipts.organizationId))
        .where(and(eq(alertReceipts.alertId, job.data.alertId), eq(alertReceipts.userId, job.data.userId)));
      if (!found || found.emailedAt) return;
      const message = alertEmail(found.alert, found.organization, alertLink(context, found.alert));
      await transport.sendMail({ from: mail.from, to: found.email, ...message });
      await context.db
        .update(alertReceipts)
        .set({ emailedAt: new Date(context.clock.now()) })
        .where(and(eq(alertReceipts.alertId, job.data.alertId), eq(alertReceipts.userId, job.data.userId)));
      logger.info({ alertId: job.data.alertId, userId: job.data.userId }, "alert e-mailed");
    },
  );
  return async () => {
    await boss.offWork(queues.alertEmail);
    transport.close();
  };
}
