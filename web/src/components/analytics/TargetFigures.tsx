import type { PlatformId } from "../../../../src/platforms/profiles";
import { describeUnavailable, formatCount, formatRate, metricLabel, platformName, type Unavailable } from "./format";
import type { TargetMetrics } from "./types";

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function Figure({
  label,
  value,
  reason,
  platform,
  collected,
}: {
  label: string;
  value: number | null | undefined;
  reason: Unavailable | undefined;
  platform: PlatformId;
  collected: boolean;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        {typeof value === "number" ? (
          formatCount(value)
        ) : reason ? (
          <span className="muted">{describeUnavailable(reason, platform)}</span>
        ) : (
          <span className="muted">{collected ? "no figure" : "not collected yet"}</span>
        )}
      </dd>
    </div>
  );
}

/** One account's figures for one post: views, reach, engagements and the rate, each with its reason when absent. */
export function TargetFigures({ target }: { target: TargetMetrics }) {
  const reasonFor = (metric: string) => target.unavailable.find((entry) => entry.metric === metric);
  const collected = target.fetchedAt !== null;
  const rate = target.engagementRate;
  const offersNone = ["views", "reach", "reactions", "comments"].every(
    (metric) => reasonFor(metric)?.reason === "not_provided",
  );
  if (offersNone)
    return <p className="target-metrics muted">{platformName(target.platform)} gives no figures for a post</p>;
  return (
    <dl className="target-metrics" aria-label={`Metrics on ${target.accountName}`}>
      {(["views", "reach"] as const).map((metric) => (
        <Figure
          key={metric}
          label={metricLabel(metric)}
          value={target.metrics[metric]}
          reason={reasonFor(metric)}
          platform={target.platform}
          collected={collected}
        />
      ))}
      <Figure
        label="Engagements"
        value={target.interactions}
        reason={reasonFor("reactions") ?? reasonFor("comments")}
        platform={target.platform}
        collected={collected}
      />
      <div>
        <dt>Engagement rate</dt>
        <dd>
          {rate.value === null ? (
            <span className="muted">
              {reasonFor(rate.basis)
                ? `not computable (${lowerFirst(describeUnavailable(reasonFor(rate.basis)!, target.platform))})`
                : collected
                  ? `no ${rate.basis} to divide by`
                  : "not collected yet"}
            </span>
          ) : (
            <>
              {formatRate(rate.value)} <span className="muted">(by {rate.basis})</span>
            </>
          )}
        </dd>
      </div>
    </dl>
  );
}
