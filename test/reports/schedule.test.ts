import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { adjustableClock, type AdjustableClock } from "../../src/clock.js";
import { createLogger } from "../../src/logger.js";
import { sendDueReports } from "../../src/reports/jobs.js";
import { startMailbox, type Mailbox } from "../monitoring/mailbox.js";
import { startTestApp, type TestApp } from "../support/app.js";
import type { HttpClient } from "../support/client.js";
import { createOrganization, signUp } from "../support/factories.js";
import { backends } from "../support/postgres.js";
import { waitFor } from "../support/process.js";
import { pdfText, weeklyReport } from "./support.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Milliseconds from an instant to the next time a UTC weekday (1 = Monday) reaches an hour. */
function untilNext(now: number, weekday: number, hour: number): number {
  const date = new Date(now);
  const today = ((date.getUTCDay() + 6) % 7) + 1;
  const target = Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth(),
    date.getUTCDate() + ((weekday - today + 7) % 7),
    hour,
  );
  return target > now ? target - now : target + WEEK - now;
}

interface Sending {
  periodKey: string;
  state: string;
  error: string | null;
}

for (const backend of backends) {
  describe(`scheduled client reports by e-mail (${backend.name})`, { skip: backend.skip }, () => {
    let app: TestApp;
    /** A second worker on the same database, where the backend is one a second process can share. */
    let secondWorker: TestApp | undefined;
    let mailbox: Mailbox;
    let clock: AdjustableClock;
    let admin: HttpClient;
    let reportId: string;
    const recipients = ["client@example.com", "boss@example.com"];

    before(async () => {
      mailbox = await startMailbox();
      clock = adjustableClock();
      const env = {
        SMTP_URL: mailbox.url,
        MAIL_FROM: "Reports <reports@example.com>",
        SESSION_TTL_HOURS: String(365 * 24),
      };
      app = await startTestApp({ backend, clock, env });
      const databaseUrl = app.runtime.context.config.database;
      if (databaseUrl.kind === "postgres")
        secondWorker = await startTestApp({
          backend,
          clock,
          role: "worker",
          env: { ...env, DATABASE_URL: databaseUrl.url, DATA_DIR: app.dataDir, PUBLIC_URL: app.url.origin },
        });
      admin = app.client();
      await signUp(admin);
      await createOrganization(admin, "Northwind Roasters");
    });
    after(async () => {
      await secondWorker?.stop();
      await app.stop();
      await mailbox.close();
    });

    const sendings = async (): Promise<Sending[]> => {
      const answer = await admin.get(`/api/reports/${reportId}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.sendings;
    };
    const sentFor = (periodKey: string) =>
      waitFor(
        async () =>
          (await sendings()).find((sending) => sending.periodKey === periodKey && sending.state !== "sending"),
        30_000,
        `the sending of ${periodKey}`,
      );

    test("a weekly report goes out once per week, with its PDF attached and a link, however many sweeps run", async () => {
      const weekday = (((new Date(clock.now()).getUTCDay() + 6) % 7) + 2) % 7 || 7;
      const created = await admin.post("/api/reports", weeklyReport(weekday, 9, recipients));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      reportId = created.body.report.id;
      // Made after this week's time had passed, or before it came: nothing is due yet.
      assert.deepEqual(await sendings(), []);

      clock.advance(untilNext(clock.now(), weekday, 9) + 60_000);
      const [first] = await waitFor(
        async () => ((await sendings()).length > 0 ? sendings() : undefined),
        30_000,
        "a sending to be claimed",
      );
      const sent = await sentFor(first!.periodKey);
      assert.equal(sent.state, "sent", sent.error ?? "");
      // Two more sweeps at once, as two workers ticking together: the period is claimed already.
      const logger = createLogger("silent");
      await Promise.all([
        sendDueReports(app.runtime.context, logger, undefined),
        sendDueReports(app.runtime.context, logger, undefined),
      ]);
      assert.equal(mailbox.received.length, 1, "one e-mail for the week");
      const mail = mailbox.received[0]!;
      assert.deepEqual(mail.envelopeTo.sort(), [...recipients].sort());
      assert.match(mail.subject ?? "", /Northwind Roasters.*Weekly client report/);
      assert.match(mail.text ?? "", new RegExp(`/reports/${reportId}\\?start=`));
      const attachment = mail.attachments.find((file) => file.contentType === "application/pdf");
      assert.ok(attachment, "the PDF is attached");
      const text = await pdfText(attachment.content);
      assert.match(text, /Weekly client report/);
      assert.match(text, /Reach: unavailable/);
      assert.ok((await sendings()).every((sending) => sending.state === "sent"));

      clock.advance(WEEK);
      const next = await waitFor(
        async () => (await sendings()).find((sending) => sending.periodKey !== first!.periodKey),
        30_000,
        "the next week's sending",
      );
      assert.equal((await sentFor(next.periodKey)).state, "sent");
      await waitFor(async () => (mailbox.received.length >= 2 ? true : undefined), 30_000, "the second e-mail");
      assert.equal(mailbox.received.length, 2);
    });

    test("a sending that fails is recorded with why, on the report", async () => {
      await mailbox.close();
      clock.advance(WEEK);
      const failed = await waitFor(
        async () => (await sendings()).find((sending) => sending.state === "failed"),
        60_000,
        "a failed sending",
      );
      assert.ok(failed.error, "the failure says why");
      assert.equal((await sendings()).filter((sending) => sending.state === "sent").length, 2);
    });
  });
}
