import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { AppContext } from "../context.js";
import { messagePage, reportHtml, standalonePage } from "./html.js";
import { resolveRange } from "./periods.js";
import { pdfFileName, renderedReport, sharedReport, shareLinkStatus } from "./store.js";

const tokenParams = z.object({ token: z.string().max(200) });

/**
 * GET /r/{token} and /r/{token}/report.pdf: one report, read-only, for whoever holds a live
 * link. Outside /api and without a session: the page carries that report and nothing of the
 * organization or the dashboard. An unknown token is 404; an expired or revoked link, 410.
 */
export const sharedReportPages: FastifyPluginAsync<AppContext> = async (app, context) => {
  const open = async (token: string) => {
    const found = await sharedReport(context, token);
    if (!found) return { refusal: 404 as const };
    const status = shareLinkStatus(found.link, context.clock.now());
    if (status !== "active") return { refusal: 410 as const, status };
    return { report: found.report };
  };

  const refuse = (reply: import("fastify").FastifyReply, refusal: 404 | 410) =>
    reply
      .status(refusal)
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(
        refusal === 404
          ? messagePage("Report not found", "This link does not open any report. Check that it was copied whole.")
          : messagePage(
              "This link has ended",
              "This report link has expired or was revoked. Ask whoever sent it for a new one.",
            ),
      );

  app.get("/r/:token", { schema: { hide: true } }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const opened = await open(token);
    if (!opened.report) return refuse(reply, opened.refusal);
    const { content, logo } = await renderedReport(
      context,
      opened.report,
      resolveRange(opened.report, context.clock.now()),
    );
    const download = `<p style="font-family:system-ui,sans-serif;text-align:right"><a href="${encodeURIComponent(token)}/report.pdf" data-testid="shared-pdf">Download PDF</a></p>`;
    return reply
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .type("text/html; charset=utf-8")
      .send(standalonePage(content.title, download + reportHtml(content, logo)));
  });

  app.get("/r/:token/report.pdf", { schema: { hide: true } }, async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const opened = await open(token);
    if (!opened.report) return refuse(reply, opened.refusal);
    const range = resolveRange(opened.report, context.clock.now());
    const pdf = await (await renderedReport(context, opened.report, range)).pdf();
    return reply
      .header("cache-control", "no-store")
      .header("content-type", "application/pdf")
      .header("content-disposition", `inline; filename="${pdfFileName(opened.report, range)}"`)
      .send(pdf);
  });
};
