import type { Logo } from "./logo.js";
import { formatChange, formatFigure, formatRange, kpiLine } from "./format.js";
import type { ReportContent } from "./schemas.js";

const MARGIN = 48;
const INK = "#1f2937";
const MUTED = "#6b7280";
const BAR = "#2563eb";
const CHART_HEIGHT = 120;

/**
 * The report as a PDF: real text throughout (a reader can search and copy it, a test can parse
 * it) and the daily chart drawn as vector bars from the same series the page shows.
 */
export async function reportPdf(content: ReportContent, logo: Logo | undefined): Promise<Buffer> {
  // Loaded when a PDF is made: its fonts and layout engine are 6 MB of heap an idle server need not hold.
  const { default: PDFDocument } = await import("pdfkit");
  const document = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    info: { Title: content.title, Author: content.organization.name },
  });
  const chunks: Buffer[] = [];
  document.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    document.on("end", () => resolve(Buffer.concat(chunks)));
    document.on("error", reject);
  });
  const width = document.page.width - 2 * MARGIN;

  const logoShown = logo ? drawLogo(document, logo) : false;
  document.fillColor(MUTED).fontSize(10).text(content.organization.name, MARGIN, MARGIN, { width, align: "right" });
  document.moveDown(logoShown ? 3 : 1);
  document.fillColor(INK).fontSize(20).text(content.title, MARGIN);
  document
    .fillColor(MUTED)
    .fontSize(10)
    .text(
      `${formatRange(content.range)} (compared with ${formatRange(content.previousRange)})` +
        (content.scope.kind === "campaign" ? " · one campaign" : " · the whole organization"),
    );
  document.moveDown();

  document.fillColor(INK).fontSize(14).text("Key figures");
  document.fontSize(11);
  for (const kpi of content.kpis) {
    document.fillColor(INK).text(kpiLine(kpi), { continued: kpi.value !== null });
    if (kpi.value !== null) document.fillColor(MUTED).text(`   ${formatChange(kpi)}`);
    if (kpi.note) document.fillColor(MUTED).fontSize(9).text(kpi.note).fontSize(11);
  }
  document.moveDown();

  document.fillColor(INK).fontSize(14).text("Impressions per day");
  drawDailyChart(document, content, width);

  document.fillColor(INK).fontSize(14).text("By platform", MARGIN);
  document.fontSize(10);
  for (const platform of content.platforms)
    document
      .fillColor(INK)
      .text(
        `${platform.name}: ${platform.accounts} accounts, ${platform.posts} posts, reach ${formatFigure("count", platform.reach)}, ` +
          `impressions ${formatFigure("count", platform.impressions)}, engagements ${formatFigure("count", platform.engagements)}, ` +
          `rate ${formatFigure("rate", platform.engagementRate)}`,
      );
  if (content.platforms.length === 0) document.fillColor(MUTED).text("No accounts are connected.");
  document.moveDown();

  document.fillColor(INK).fontSize(14).text("Top posts");
  document.fontSize(10);
  for (const [index, post] of content.topPosts.entries())
    document
      .fillColor(INK)
      .text(
        `${index + 1}. ${post.platformName}, ${post.publishedAt.toISOString().slice(0, 10)}: ${post.text.slice(0, 140)}`,
      )
      .fillColor(MUTED)
      .text(
        `   impressions ${formatFigure("count", post.impressions)}, engagements ${formatFigure("count", post.interactions)}, ` +
          `rate ${formatFigure("rate", post.engagementRate)}`,
      );
  if (content.topPosts.length === 0) document.fillColor(MUTED).text("No posts were published in this range.");

  if (content.unavailable.length > 0) {
    document.moveDown();
    document.fillColor(INK).fontSize(14).text("Not available");
    document.fontSize(9).fillColor(MUTED);
    for (const note of content.unavailable) document.text(`${note.platform} ${note.metric}: ${note.message}`);
  }
  document.end();
  return done;
}

function drawDailyChart(document: PDFKit.PDFDocument, content: ReportContent, width: number) {
  const daily = content.daily;
  const top = document.y + 6;
  const highest = Math.max(0, ...daily.map((point) => point.impressions ?? 0));
  if (daily.length === 0 || highest === 0) {
    document
      .fillColor(MUTED)
      .fontSize(10)
      .text(content.dailyNote ?? "No daily impressions were read in this range.");
    document.moveDown();
    return;
  }
  const slot = width / daily.length;
  document.save().strokeColor(MUTED).lineWidth(0.5);
  document
    .moveTo(MARGIN, top + CHART_HEIGHT)
    .lineTo(MARGIN + width, top + CHART_HEIGHT)
    .stroke();
  document.fillColor(BAR);
  for (const [index, point] of daily.entries()) {
    if (point.impressions === null) continue;
    const height = (point.impressions / highest) * CHART_HEIGHT;
    document.rect(MARGIN + index * slot + slot * 0.15, top + CHART_HEIGHT - height, slot * 0.7, height).fill();
  }
  document.restore();
  document
    .fillColor(MUTED)
    .fontSize(8)
    .text(daily[0]!.day, MARGIN, top + CHART_HEIGHT + 4)
    .text(daily.at(-1)!.day, MARGIN, top + CHART_HEIGHT + 4, { width, align: "right" })
    .text(`highest: ${formatFigure("count", highest)}`, MARGIN, top - 2, { width, align: "right" });
  document.y = top + CHART_HEIGHT + 24;
}

/** The logo in the corner; a file the PDF library cannot read (a damaged upload) leaves the report without it rather than failing. */
function drawLogo(document: PDFKit.PDFDocument, logo: Logo): boolean {
  try {
    document.image(logo.bytes, MARGIN, MARGIN, { fit: [96, 48] });
    return true;
  } catch {
    return false;
  }
}
