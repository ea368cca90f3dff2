import type { ReportContent } from "./schemas.js";

type Kpi = ReportContent["kpis"][number];

const counts = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** A figure as the report prints it: counts grouped by thousands, rates as percentages with two decimals. */
export function formatFigure(name: Kpi["name"] | "count" | "rate", value: number | null): string {
  if (value === null) return "unavailable";
  if (name === "engagementRate" || name === "rate" || name === "roi") return `${(value * 100).toFixed(2)} %`;
  return counts.format(value);
}

/** The change against the previous period, signed; a dash where there is nothing to compare with. */
export function formatChange(kpi: Kpi): string {
  if (kpi.change === null) return "no comparison";
  const percent = (kpi.change * 100).toFixed(1);
  return `${kpi.change >= 0 ? "+" : ""}${percent} % vs previous`;
}

export const formatRange = (range: { start: string; end: string }) => `${range.start} to ${range.end}`;

/** The report's rows of KPIs as text: the same words on the page, in the PDF and in the e-mail. */
export const kpiLine = (kpi: Kpi) =>
  `${kpi.label}: ${formatFigure(kpi.name, kpi.value)}${kpi.value === null ? ` (${kpi.unavailable})` : ""}`;
