import type { PlatformId } from "../../api";
import { Card } from "../ui";
import { formatCount, platformName } from "./format";
import type { AnalyticsReport } from "./types";

type ConversionTotal = AnalyticsReport["total"]["conversions"];

/** Values per currency, never added across currencies: "EUR 250.00 · USD 10.00". */
export function ValuesByCurrency({ total }: { total: ConversionTotal }) {
  if (total.values.length === 0) return <span className="muted">no value</span>;
  return <>{total.values.map((entry) => `${entry.currency} ${entry.value}`).join(" · ")}</>;
}

function Tile({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <section className="kpi" aria-labelledby={testId} data-testid={testId}>
      <h3 id={testId} className="kpi-label">
        {label}
      </h3>
      {children}
    </section>
  );
}

/**
 * What our short links and the conversion API counted, apart from what the platforms report:
 * people's clicks (bots and link previews aside), conversions attributed to them and their values.
 */
export function TrackingSection({ report }: { report: AnalyticsReport }) {
  const { trackedClicks, conversions } = report.total;
  const platforms = Object.values(report.platforms).flatMap((platform) => (platform ? [platform] : []));
  return (
    <Card title="Tracked clicks and conversions">
      <section className="kpis" aria-label="Tracked figures">
        <Tile label="Tracked clicks" testId="kpi-tracked-clicks">
          <p className="kpi-value">{formatCount(trackedClicks.clicks)}</p>
          <p className="small muted">
            {formatCount(trackedClicks.uniqueClicks)} unique visitors (per day); {formatCount(trackedClicks.botClicks)}{" "}
            from bots and link previews, not counted
          </p>
        </Tile>
        <Tile label="Conversions" testId="kpi-conversions">
          <p className="kpi-value">{formatCount(conversions.count)}</p>
          <p className="small muted">
            attributed to a click; {formatCount(report.unattributedConversions.count)} more unattributed
          </p>
        </Tile>
        <Tile label="Conversion value" testId="kpi-conversion-value">
          <p className="kpi-value">
            <ValuesByCurrency total={conversions} />
          </p>
          <p className="small muted">each currency apart: no exchange rate is applied</p>
        </Tile>
      </section>
      <div className="table-scroll">
        <table className="table" data-testid="tracking-table">
          <caption className="visually-hidden">Clicks and conversions per platform</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Clicks (platform-reported)</th>
              <th scope="col">Clicks (tracked)</th>
              <th scope="col">Bot clicks</th>
              <th scope="col">Conversions (tracked)</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {platforms.map((platform) => (
              <tr key={platform.platform} data-testid={`tracking-${platform.platform}`}>
                <th scope="row">{platformName(platform.platform as PlatformId)}</th>
                <td>{platform.totals.clicks == null ? "no figure" : formatCount(platform.totals.clicks)}</td>
                <td>{formatCount(platform.trackedClicks.clicks)}</td>
                <td>{formatCount(platform.trackedClicks.botClicks)}</td>
                <td>{formatCount(platform.conversions.count)}</td>
                <td>
                  <ValuesByCurrency total={platform.conversions} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        Tracked figures count clicks made and conversions that occurred in the range; the platforms' own figures cover
        the posts published in it.
      </p>
    </Card>
  );
}
