import { useQueries } from "@tanstack/react-query";
import type { Connection } from "../../api";
import { PlatformMark } from "../PlatformMark";
import { Card, RelativeTime } from "../ui";
import { chartRows, hasFigures, seriesMetrics } from "./figures";
import { formatCount, formatSignedCount, metricLabel, metricLabels } from "./format";
import { analyticsKeys, fetchAccount } from "./queries";
import type { DayRange } from "./range";
import { MetricSelect, useMetricChoice } from "./MetricChoice";
import { TimeSeriesChart } from "./TimeSeriesChart";
import type { AccountReport } from "./types";
import { UnavailableList } from "./UnavailableList";

/** Why an account has no follower count; its growth's reasons are the Follower growth tile's. */
const accountMetrics = new Set(["followers"]);

function AccountRow({ account }: { account: AccountReport }) {
  return (
    <tr>
      <th scope="row">
        <span className="account-cell">
          <PlatformMark platform={account.platform} /> {account.name}
        </span>
      </th>
      <td data-label="Followers">
        {account.followers.current === null ? "no figure" : formatCount(account.followers.current)}
      </td>
      <td data-label="Growth">
        {account.followers.growth === null ? "no figure" : formatSignedCount(account.followers.growth)}
      </td>
      <td data-label="Collected">
        {account.lastCollectedAt ? <RelativeTime at={account.lastCollectedAt} /> : "not yet"}
        {account.lastError ? <span className="field-error"> · {account.lastError}</span> : null}
      </td>
      <td data-label="Next">{account.nextCollectionAt ? <RelativeTime at={account.nextCollectionAt} /> : "—"}</td>
    </tr>
  );
}

/** Each account's report over the range: its daily series, followers and their growth. */
export function useAccountReports(accounts: readonly Connection[], range: DayRange) {
  const reports = useQueries({
    queries: accounts.map((account) => ({
      queryKey: analyticsKeys.account(account.id, range),
      queryFn: () => fetchAccount(account.id, range),
    })),
  });
  return {
    pending: reports.some((report) => report.isPending),
    error: reports.find((report) => report.error)?.error ?? null,
    loaded: reports.map((report) => report.data).filter((report): report is AccountReport => !!report),
  };
}

/** Each account's daily metrics and followers, one line per account, for the accounts the filters keep. */
export function AccountCharts({
  accounts,
  reports,
  range,
}: {
  accounts: readonly Connection[];
  reports: ReturnType<typeof useAccountReports>;
  range: DayRange;
}) {
  const { loaded } = reports;
  const metrics = seriesMetrics(
    loaded.map((account) => account.series),
    Object.keys(metricLabels),
  );
  const { metric, choose } = useMetricChoice(metrics, "followers");
  const drawn = loaded.filter((account) => hasFigures(account.series, metric));
  return (
    <Card
      title="By day, per account"
      actions={<MetricSelect id="account-chart-metric" metrics={metrics} value={metric} onChange={choose} />}
    >
      {accounts.length === 0 ? (
        <p className="muted">No connected account matches these filters.</p>
      ) : reports.pending ? (
        <p className="muted">Loading accounts…</p>
      ) : drawn.length ? (
        <TimeSeriesChart
          title={`${metricLabel(metric)} per day, by account`}
          rows={chartRows(
            range,
            drawn.map((account) => ({ key: account.connectionId, series: account.series })),
            metric,
          )}
          series={drawn.map((account) => ({ key: account.connectionId, label: account.name }))}
        />
      ) : (
        <p className="callout">
          No daily account figures in this range yet: metrics appear after the first collection.
        </p>
      )}
      {reports.error ? <p className="field-error">{reports.error.message}</p> : null}
      {loaded.length ? (
        <div className="table-scroll">
          <table className="table account-table">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Followers</th>
                <th scope="col">Growth in range</th>
                <th scope="col">Collected</th>
                <th scope="col">Next collection</th>
              </tr>
            </thead>
            <tbody>
              {loaded.map((account) => (
                <AccountRow key={account.connectionId} account={account} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <UnavailableList
        entries={loaded.flatMap((account) =>
          account.unavailable
            .filter((entry) => accountMetrics.has(entry.metric))
            .map((entry) => ({ ...entry, platform: account.platform, account: account.name })),
        )}
      />
    </Card>
  );
}
