import { Card } from "../ui";
import { chartRows, hasFigures, platformsOf, seriesMetrics } from "./figures";
import { metricLabel, metricLabels } from "./format";
import type { DayRange } from "./range";
import { MetricSelect, useMetricChoice } from "./MetricChoice";
import { TimeSeriesChart } from "./TimeSeriesChart";
import type { AnalyticsReport } from "./types";
import { UnavailableList, type PlatformUnavailable } from "./UnavailableList";

/**
 * The account metrics of each platform by day, one line per platform for the metric chosen; a
 * platform without figures for it is listed under the chart with its reason instead of a flat line.
 */
export function PlatformCharts({ report, range }: { report: AnalyticsReport; range: DayRange }) {
  const platforms = platformsOf(report);
  const metrics = seriesMetrics(
    platforms.map((platform) => platform.series),
    Object.keys(metricLabels),
  );
  const { metric, choose } = useMetricChoice(metrics, "views");
  const drawn = platforms.filter((platform) => hasFigures(platform.series, metric));
  const without = platforms.filter((platform) => !hasFigures(platform.series, metric));
  return (
    <Card
      title="By day, per platform"
      actions={<MetricSelect id="platform-chart-metric" metrics={metrics} value={metric} onChange={choose} />}
    >
      <p className="small muted">
        The accounts' own daily figures, read from each platform; the tiles above add up the posts published in the
        range.
      </p>
      {drawn.length ? (
        <TimeSeriesChart
          title={`${metricLabel(metric)} per day, by platform`}
          rows={chartRows(
            range,
            drawn.map((platform) => ({ key: platform.platform, series: platform.series })),
            metric,
          )}
          series={drawn.map((platform) => ({ key: platform.platform, label: platform.name }))}
        />
      ) : (
        <p className="callout">
          No daily figures for {metricLabel(metric).toLowerCase()} in this range. Metrics appear after the first
          collection; the platforms below say why they have none.
        </p>
      )}
      <UnavailableList
        entries={without.flatMap((platform): PlatformUnavailable[] => {
          const reasons = platform.unavailable.filter((entry) => entry.metric === metric);
          return reasons.length
            ? reasons.map((entry) => ({ ...entry, platform: platform.platform }))
            : [
                {
                  metric,
                  reason: "not_ready" as const,
                  message: "nothing collected for this range yet",
                  platform: platform.platform,
                },
              ];
        })}
      />
    </Card>
  );
}
