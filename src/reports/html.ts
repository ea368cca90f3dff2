import type { Logo } from "./logo.js";
import { formatChange, formatFigure, formatRange } from "./format.js";
import type { ReportContent } from "./schemas.js";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const CHART_WIDTH = 640;
const CHART_HEIGHT = 140;

/** The daily impressions as SVG bars: the same series the PDF draws. */
function dailyChart(daily: ReportContent["daily"], note: string | null): string {
  const highest = Math.max(0, ...daily.map((point) => point.impressions ?? 0));
  if (daily.length === 0 || highest === 0)
    return `<p class="muted">${escapeHtml(note ?? "No daily impressions were read in this range.")}</p>`;
  const slot = CHART_WIDTH / daily.length;
  const bars = daily
    .flatMap((point, index) => {
      if (point.impressions === null) return [];
      const height = (point.impressions / highest) * CHART_HEIGHT;
      return [
        `<rect x="${(index * slot + slot * 0.15).toFixed(2)}" y="${(CHART_HEIGHT - height).toFixed(2)}" width="${(slot * 0.7).toFixed(2)}" height="${height.toFixed(2)}"><title>${point.day}: ${formatFigure("count", point.impressions)}</title></rect>`,
      ];
    })
    .join("");
  return `<svg class="report-chart" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Impressions per day, highest ${formatFigure("count", highest)}" data-testid="report-chart">${bars}</svg>
<div class="chart-axis"><span>${daily[0]!.day}</span><span>${daily.at(-1)!.day}</span></div>`;
}

/**
 * The report as an HTML fragment, every text escaped: what the dashboard's report page and the
 * share link's page both show, with styles of its own so either page needs nothing else.
 */
export function reportHtml(content: ReportContent, logo: Logo | undefined): string {
  const logoImage = logo
    ? `<img class="report-logo" alt="${escapeHtml(content.organization.name)} logo" src="data:${logo.contentType};base64,${logo.bytes.toString("base64")}">`
    : "";
  const kpis = content.kpis
    .map(
      (kpi) => `<div class="kpi" data-testid="kpi-${kpi.name}">
<div class="kpi-label">${escapeHtml(kpi.label)}</div>
<div class="kpi-value">${kpi.value === null ? `<span class="unavailable">unavailable</span>` : escapeHtml(formatFigure(kpi.name, kpi.value))}</div>
<div class="kpi-note">${escapeHtml(kpi.value === null ? (kpi.unavailable ?? "") : formatChange(kpi))}</div>
${kpi.note ? `<div class="kpi-note">${escapeHtml(kpi.note)}</div>` : ""}
</div>`,
    )
    .join("");
  const platformRows = content.platforms
    .map(
      (platform) =>
        `<tr><th scope="row">${escapeHtml(platform.name)}</th><td>${platform.accounts}</td><td>${platform.posts}</td><td>${formatFigure("count", platform.reach)}</td><td>${formatFigure("count", platform.impressions)}</td><td>${formatFigure("count", platform.engagements)}</td><td>${formatFigure("rate", platform.engagementRate)}</td></tr>`,
    )
    .join("");
  const topPosts = content.topPosts
    .map(
      (post) =>
        `<li><strong>${escapeHtml(post.platformName)}</strong>, ${post.publishedAt.toISOString().slice(0, 10)}: ${escapeHtml(post.text.slice(0, 280))}<br><span class="muted">impressions ${formatFigure("count", post.impressions)}, engagements ${formatFigure("count", post.interactions)}, rate ${formatFigure("rate", post.engagementRate)}</span></li>`,
    )
    .join("");
  const unavailable = content.unavailable
    .map((note) => `<li>${escapeHtml(note.platform)} ${escapeHtml(note.metric)}: ${escapeHtml(note.message)}</li>`)
    .join("");
  return `<article class="client-report" data-testid="client-report">
<style>
.client-report{font-family:system-ui,sans-serif;color:#1f2937;max-width:960px;margin:0 auto}
.client-report .report-head{display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap}
.client-report .report-logo{max-height:48px;max-width:160px}
.client-report .muted,.client-report .kpi-note{color:#6b7280;font-size:.85em}
.client-report .kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin:16px 0}
.client-report .kpi{border:1px solid #e5e7eb;border-radius:8px;padding:10px}
.client-report .kpi-value{font-size:1.5em;font-weight:600}
.client-report .unavailable{color:#6b7280;font-style:italic;font-size:.8em}
.client-report .report-chart{width:100%;height:140px;fill:#2563eb;background:#f9fafb}
.client-report .chart-axis{display:flex;justify-content:space-between;color:#6b7280;font-size:.8em}
.client-report .table-wrap{overflow-x:auto}
.client-report table{border-collapse:collapse;width:100%}
.client-report th,.client-report td{border-bottom:1px solid #e5e7eb;padding:6px;text-align:right}
.client-report th:first-child,.client-report td[colspan]{text-align:left}
.client-report li{overflow-wrap:anywhere}
</style>
<header class="report-head">${logoImage}<div><strong data-testid="report-organization">${escapeHtml(content.organization.name)}</strong></div></header>
<h1>${escapeHtml(content.title)}</h1>
<p class="muted">${formatRange(content.range)}, compared with ${formatRange(content.previousRange)}; ${content.scope.kind === "campaign" ? "one campaign" : "the whole organization"}</p>
<section class="kpis">${kpis}</section>
<h2>Impressions per day</h2>
${dailyChart(content.daily, content.dailyNote)}
<h2>By platform</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Platform</th><th scope="col">Accounts</th><th scope="col">Posts</th><th scope="col">Reach</th><th scope="col">Impressions</th><th scope="col">Engagements</th><th scope="col">Rate</th></tr></thead><tbody>${platformRows || `<tr><td colspan="7">No accounts are connected.</td></tr>`}</tbody></table></div>
<h2>Top posts</h2>
${topPosts ? `<ol>${topPosts}</ol>` : `<p class="muted">No posts were published in this range.</p>`}
${unavailable ? `<h2>Not available</h2><ul class="muted">${unavailable}</ul>` : ""}
</article>`;
}

/** A whole page around a fragment, for the share link: nothing of the dashboard, no script. */
export function standalonePage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body style="margin:16px">${body}</body></html>`;
}

/** The page a dead share link answers. */
export const messagePage = (title: string, message: string) =>
  standalonePage(
    title,
    `<main style="font-family:system-ui,sans-serif"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`,
  );
