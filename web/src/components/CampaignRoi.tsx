import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { formatCount } from "./analytics/format";
import { Card, FormError } from "./ui";

/** The ratio as a percentage: 1.5 is "150 %". */
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

/** A campaign's ROI with every figure it rests on, so a reader can redo the sum. */
export function CampaignRoi({ campaignId }: { campaignId: string }) {
  const roi = useQuery({
    queryKey: ["campaigns", campaignId, "roi"],
    queryFn: () => api("GET", "/api/campaigns/{id}/roi", { path: { id: campaignId } }),
  });
  const figures = roi.data;
  return (
    <Card title="Return on investment">
      <FormError error={roi.error} />
      {figures ? (
        <div className="stack" data-testid="campaign-roi">
          <p className="kpi-value" data-testid="campaign-roi-value">
            {figures.roi === null ? (figures.roiNote ?? "no cost entered") : percent(figures.roi)}
          </p>
          <dl className="figures">
            <dt>Attributed revenue</dt>
            <dd data-testid="campaign-roi-revenue">
              {figures.currency} {figures.revenue}
            </dd>
            <dt>Cost</dt>
            <dd data-testid="campaign-roi-cost">
              {figures.currency} {figures.cost}{" "}
              <span className="muted small">
                ({figures.costEntries} entr{figures.costEntries === 1 ? "y" : "ies"})
              </span>
            </dd>
            <dt>Clicks (people)</dt>
            <dd>
              {formatCount(figures.clicks.clicks)}{" "}
              <span className="muted small">({formatCount(figures.clicks.botClicks)} from bots, not counted)</span>
            </dd>
            <dt>Conversions</dt>
            <dd>{formatCount(figures.conversions.count)}</dd>
            <dt>Cost per click</dt>
            <dd>{figures.costPerClick === null ? "no clicks" : `${figures.currency} ${figures.costPerClick}`}</dd>
            <dt>Cost per conversion</dt>
            <dd>
              {figures.costPerConversion === null
                ? "no conversions"
                : `${figures.currency} ${figures.costPerConversion}`}
            </dd>
          </dl>
          {figures.conversions.otherCurrencies.length > 0 ? (
            <p className="small muted">
              Not in revenue (other currencies, never converted):{" "}
              {figures.conversions.otherCurrencies.map((entry) => `${entry.currency} ${entry.value}`).join(" · ")}
            </p>
          ) : null}
          <p className="small muted">
            ROI = (revenue − cost) ÷ cost. Conversions count for the last person's click within{" "}
            {figures.attributionWindowDays} days.
          </p>
        </div>
      ) : null}
    </Card>
  );
}
