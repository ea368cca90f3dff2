import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api";
import { PlatformMark } from "../components/PlatformMark";
import { formatInZone } from "../time";
import { metricLabel, metricLabels, platformName } from "../components/analytics/format";
import { analyticsKeys, fetchPostMetrics } from "../components/analytics/queries";
import { TargetFigures } from "../components/analytics/TargetFigures";
import { TimeSeriesChart, type ChartRow } from "../components/analytics/TimeSeriesChart";
import type { TargetMetrics } from "../components/analytics/types";
import { UnavailableList } from "../components/analytics/UnavailableList";
import { FormError, PageHeader, RelativeTime, SelectField } from "../components/ui";

/** The metrics TargetFigures already explains when absent, not listed twice. */
const shownWithFigures = new Set(["views", "reach"]);

const readingTime = (at: string) =>
  new Date(at).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** The snapshots of one metric as chart rows: one per reading, in the order they were read. */
function historyRows(target: TargetMetrics, metric: string): ChartRow[] {
  return target.history
    .filter((reading) => reading.metric === metric)
    .sort((a, b) => a.fetchedAt.localeCompare(b.fetchedAt))
    .map((reading) => ({ day: reading.fetchedAt, [metric]: reading.value }));
}

function TargetHistory({ target }: { target: TargetMetrics }) {
  const metrics = Object.keys(metricLabels).filter((metric) =>
    target.history.some((reading) => reading.metric === metric),
  );
  const [chosen, setChosen] = useState("views");
  const metric = metrics.includes(chosen) ? chosen : (metrics[0] ?? chosen);
  const selectId = `history-metric-${target.targetId}`;
  return (
    <section className="card" aria-label={`${platformName(target.platform)}: ${target.accountName}`}>
      <div className="card-header">
        <h2 className="health-title">
          <PlatformMark platform={target.platform} /> {target.accountName}
        </h2>
        {target.url ? (
          <a href={target.url} target="_blank" rel="noreferrer">
            Open on {platformName(target.platform)}
          </a>
        ) : null}
      </div>
      <TargetFigures target={target} />
      <p className="freshness">
        {target.fetchedAt ? (
          <>
            Collected <RelativeTime at={target.fetchedAt} />
          </>
        ) : target.unavailable.some((entry) => entry.metric === "views" && entry.reason === "not_provided") ? (
          `${platformName(target.platform)} gives no figures for a post`
        ) : (
          "Not collected yet: metrics appear after the first collection"
        )}
        {target.nextCollectionAt ? (
          <>
            {" "}
            · next <RelativeTime at={target.nextCollectionAt} />
          </>
        ) : null}
        {target.publishedAt ? ` · published ${formatInZone(target.publishedAt)}` : ""}
      </p>
      {target.lastError ? (
        <p className="alert alert-warning" role="status">
          The last read failed ({target.lastError}); the figures are those of the read before, and it is tried again
          {target.nextCollectionAt ? (
            <>
              {" "}
              <RelativeTime at={target.nextCollectionAt} />
            </>
          ) : null}
          .
        </p>
      ) : null}
      {metrics.length ? (
        <>
          {metrics.length > 1 ? (
            <SelectField
              label="Metric"
              id={selectId}
              value={metric}
              onChange={(event) => setChosen(event.target.value)}
            >
              {metrics.map((name) => (
                <option key={name} value={name}>
                  {metricLabel(name)}
                </option>
              ))}
            </SelectField>
          ) : null}
          <TimeSeriesChart
            title={`${metricLabel(metric)} at each reading`}
            rows={historyRows(target, metric)}
            series={[{ key: metric, label: metricLabel(metric) }]}
            height={180}
            compact
            xLabel={readingTime}
          />
        </>
      ) : (
        <p className="muted small">No readings yet.</p>
      )}
      <UnavailableList
        entries={target.unavailable
          .filter((entry) => !shownWithFigures.has(entry.metric))
          .map((entry) => ({ ...entry, platform: target.platform }))}
      />
    </section>
  );
}

/** One post's figures on each account it went to, with the history of every reading. */
export function PostAnalyticsPage() {
  const { postId = "" } = useParams();
  const metrics = useQuery({
    queryKey: analyticsKeys.post(postId),
    queryFn: () => fetchPostMetrics(postId),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
  return (
    <>
      <PageHeader
        title="Post analytics"
        description="Each account's figures for this post, and how they grew at each reading."
        actions={<Link to="/posts">All posts</Link>}
      />
      {metrics.isPending ? (
        <p className="muted" aria-busy>
          Loading…
        </p>
      ) : metrics.error instanceof ApiError && metrics.error.status === 403 ? (
        <p className="callout">You don't have access to analytics in this organization.</p>
      ) : metrics.error ? (
        <FormError error={metrics.error} />
      ) : metrics.data.targets.length === 0 ? (
        <p className="callout">This post has not been published to any account yet.</p>
      ) : (
        <div className="charts">
          {metrics.data.targets.map((target) => (
            <TargetHistory key={target.targetId} target={target} />
          ))}
        </div>
      )}
    </>
  );
}
