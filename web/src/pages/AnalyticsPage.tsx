import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { api, ApiError, can, type PlatformId } from "../api";
import { AccountCharts, useAccountReports } from "../components/analytics/AccountCharts";
import {
  allUnavailable,
  followerGrowth,
  headlineFigures,
  missingFrom,
  missingGrowth,
  platformsOf,
} from "../components/analytics/figures";
import { basisLabels, formatRate, platformName } from "../components/analytics/format";
import { KpiTile } from "../components/analytics/KpiTile";
import { PlatformCharts } from "../components/analytics/PlatformCharts";
import { analyticsKeys, exportUrl, fetchReport } from "../components/analytics/queries";
import {
  daysIn,
  isDay,
  lastDays,
  presetDays,
  previousRange,
  todayUtc,
  type DayRange,
} from "../components/analytics/range";
import { RefreshResult, useRefresh } from "../components/analytics/Refresh";
import { TopPosts } from "../components/analytics/TopPosts";
import { TrackingSection } from "../components/analytics/Tracking";
import type { AnalyticsReport } from "../components/analytics/types";
import { UnavailableList } from "../components/analytics/UnavailableList";
import { Button, Card, FormError, PageHeader, SelectField } from "../components/ui";
import { useSession } from "../session";
import { platformIds } from "../../../src/platforms/profiles";

const postMetricParts = ["reactions", "comments", "shares", "saves"];

/** The filters, kept in the address so a view can be shared and reloaded: ?days=30, or ?start=…&end=…. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const start = params.get("start");
  const end = params.get("end");
  const custom = isDay(start) && isDay(end) && start <= end;
  const days = Number(params.get("days")) || 30;
  const range: DayRange = custom ? { start, end } : lastDays(days);
  const platform = platformIds.find((id) => id === params.get("platform"));
  const account = params.get("account") ?? "";
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes))
      if (value === null || value === "") next.delete(name);
      else next.set(name, value);
    setParams(next, { replace: true });
  };
  return { range, preset: custom ? null : days, platform, account, update };
}

function RangeFilter({ filters }: { filters: ReturnType<typeof useFilters> }) {
  const { range, preset, update } = filters;
  const today = todayUtc();
  return (
    <>
      <div className="field">
        <span className="field-label" id="range-label">
          Date range
        </span>
        <div className="range-presets" role="group" aria-labelledby="range-label">
          {presetDays.map((days) => (
            <Button
              key={days}
              type="button"
              variant="secondary"
              aria-pressed={preset === days}
              onClick={() => update({ days: String(days), start: null, end: null })}
            >
              Last {days} days
            </Button>
          ))}
        </div>
      </div>
      <div className="field">
        <label className="field-label" htmlFor="range-start">
          From
        </label>
        <input
          id="range-start"
          type="date"
          value={range.start}
          max={range.end}
          onChange={(event) => isDay(event.target.value) && update({ start: event.target.value, end: range.end })}
        />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="range-end">
          To
        </label>
        <input
          id="range-end"
          type="date"
          value={range.end}
          min={range.start}
          max={today}
          onChange={(event) => isDay(event.target.value) && update({ start: range.start, end: event.target.value })}
        />
      </div>
    </>
  );
}

function Tiles({
  report,
  previous,
  accounts,
  previousAccounts,
  periodLabel,
}: {
  report: AnalyticsReport;
  previous: AnalyticsReport | undefined;
  accounts: ReturnType<typeof useAccountReports>;
  previousAccounts: ReturnType<typeof useAccountReports>;
  periodLabel: string;
}) {
  const now = headlineFigures(report);
  const before = previous ? headlineFigures(previous) : null;
  const rate = report.total.engagementRate;
  // The rate by reach is per platform (reach is unique to one platform's audience): shown when one is.
  const [only] = platformsOf(report);
  const byReach = platformsOf(report).length === 1 ? only?.engagementRateByReach?.value : null;
  return (
    <section className="kpis" aria-label="Key figures">
      <KpiTile
        label="Reach"
        value={now.reach}
        previous={before?.reach ?? null}
        periodLabel={periodLabel}
        unavailable={missingFrom(report, (platform) => platform.totalReach, ["reach"])}
      />
      <KpiTile
        label="Impressions / views"
        value={now.views}
        previous={before?.views ?? null}
        periodLabel={periodLabel}
        unavailable={missingFrom(report, (platform) => platform.totalImpressions, ["views"])}
      />
      <KpiTile
        label="Engagements"
        value={now.engagements}
        previous={before?.engagements ?? null}
        periodLabel={periodLabel}
        detail="Reactions, comments, shares and saves"
        unavailable={missingFrom(report, (platform) => platform.totalEngagement, postMetricParts)}
      />
      <KpiTile
        label="Engagement rate"
        kind="rate"
        value={now.engagementRate}
        previous={before?.engagementRate ?? null}
        periodLabel={periodLabel}
        detail={
          <>
            {basisLabels[rate.basis] ?? rate.basis}, over {rate.posts} post{rate.posts === 1 ? "" : "s"}
            {rate.postsWithoutViews
              ? `; ${rate.postsWithoutViews} without ${rate.basis === "reach" ? "reach" : "views"} left out`
              : ""}
            {typeof byReach === "number" ? `. By reach: ${formatRate(byReach)}` : ""}
          </>
        }
        unavailable={missingFrom(report, (platform) => platform.engagementRate.value, ["views"])}
      />
      <KpiTile
        label="Clicks"
        value={now.clicks}
        previous={before?.clicks ?? null}
        periodLabel={periodLabel}
        detail="As the platforms report them; our tracked clicks are below"
        unavailable={missingFrom(report, (platform) => platform.totals.clicks, ["clicks"])}
      />
      <KpiTile
        label="Follower growth"
        value={followerGrowth(accounts.loaded)}
        previous={previousAccounts.pending ? null : followerGrowth(previousAccounts.loaded)}
        periodLabel={periodLabel}
        loading={accounts.pending}
        unavailable={missingGrowth(accounts.loaded)}
      />
    </section>
  );
}

function NoAccess() {
  return (
    <Card>
      <p className="callout" role="status">
        You don't have access to analytics in this organization. An administrator can change your role on the Team page.
      </p>
    </Card>
  );
}

export function AnalyticsPage() {
  const { activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const filters = useFilters();
  const { range, platform, account } = filters;
  const connections = useQuery({
    queryKey: ["connections"],
    queryFn: () => api("GET", "/api/social-media/connections"),
    enabled: can(role, "connections:view"),
  });
  const allAccounts = connections.data?.connections ?? [];
  // The report is per platform: one account chosen narrows it to that account's platform.
  const accountPlatform = allAccounts.find((connection) => connection.id === account)?.platform;
  const reportPlatform = accountPlatform ?? platform;
  const platforms: PlatformId[] = reportPlatform ? [reportPlatform] : [];
  const previous = previousRange(range);
  const refresh = useRefresh();
  const pollAfterRefresh = refresh.isSuccess && Date.now() - refresh.submittedAt < 60_000 ? 5_000 : false;
  const report = useQuery({
    queryKey: analyticsKeys.report(range, platforms),
    queryFn: () => fetchReport(range, platforms),
    // The last figures stay on screen while a changed filter's are read, instead of a blank page.
    placeholderData: keepPreviousData,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    refetchInterval: pollAfterRefresh,
  });
  const earlier = useQuery({
    queryKey: analyticsKeys.report(previous, platforms),
    queryFn: () => fetchReport(previous, platforms),
    enabled: report.isSuccess,
  });
  const forbidden = report.error instanceof ApiError && report.error.status === 403;
  const accountChoices = allAccounts.filter((connection) => !platform || connection.platform === platform);
  const shownAccounts = accountChoices.filter((connection) => !account || connection.id === account);
  const connectedPlatforms = platformIds.filter((id) => allAccounts.some((connection) => connection.platform === id));
  const periodLabel = `previous ${daysIn(range)} days`;
  const accountReports = useAccountReports(shownAccounts, range);
  const previousAccountReports = useAccountReports(shownAccounts, previous);

  if (forbidden)
    return (
      <>
        <PageHeader title="Analytics" />
        <NoAccess />
      </>
    );

  return (
    <>
      <PageHeader
        title="Analytics"
        description="What your posts and accounts did, from every connected account, kept as history."
        actions={
          <div className="row analytics-actions">
            <a className="button button-secondary" href={exportUrl(range, platforms)} download>
              Export CSV
            </a>
            {can(role, "analytics:refresh") ? (
              <Button variant="secondary" onClick={() => refresh.mutate()} busy={refresh.isPending}>
                Refresh now
              </Button>
            ) : null}
          </div>
        }
      />
      <RefreshResult
        refresh={refresh}
        accountNames={new Map(allAccounts.map((connection) => [connection.id, connection.name]))}
      />
      <Card>
        <div className="analytics-filters">
          <RangeFilter filters={filters} />
          <SelectField
            label="Platform"
            id="analytics-platform"
            value={platform ?? ""}
            onChange={(event) => filters.update({ platform: event.target.value, account: null })}
          >
            <option value="">All platforms</option>
            {connectedPlatforms.map((id) => (
              <option key={id} value={id}>
                {platformName(id)}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Account"
            id="analytics-account"
            value={account}
            onChange={(event) => filters.update({ account: event.target.value })}
          >
            <option value="">All accounts</option>
            {accountChoices.map((connection) => (
              <option key={connection.id} value={connection.id}>
                {connection.name}
              </option>
            ))}
          </SelectField>
        </div>
        <p className="small muted">
          {range.start} to {range.end} (UTC days), compared with {previous.start} to {previous.end}.
          {accountPlatform
            ? ` Follower growth, the account chart and the top posts are the account's; the other tiles and the platform chart cover every ${platformName(accountPlatform)} account.`
            : ""}
        </p>
      </Card>
      {report.isPending ? (
        <p className="muted" aria-busy>
          Loading analytics…
        </p>
      ) : report.error ? (
        <FormError error={report.error} />
      ) : allAccounts.length === 0 && connections.isSuccess && platformsOf(report.data).length === 0 ? (
        <Card>
          <p className="callout">
            No connected accounts yet. <Link to="/social-media">Connect an account</Link>: metrics appear after the
            first collection.
          </p>
        </Card>
      ) : (
        <>
          <Tiles
            report={report.data}
            previous={earlier.data}
            accounts={accountReports}
            previousAccounts={previousAccountReports}
            periodLabel={periodLabel}
          />
          <TrackingSection report={report.data} />
          <PlatformCharts report={report.data} range={range} />
          {can(role, "connections:view") ? (
            <AccountCharts accounts={shownAccounts} reports={accountReports} range={range} />
          ) : null}
          <TopPosts report={report.data} account={account} range={range} />
          <Card title="Not available in this range">
            {allUnavailable(report.data).length ? (
              <UnavailableList entries={allUnavailable(report.data)} />
            ) : (
              <p className="muted">Every requested metric has figures.</p>
            )}
          </Card>
        </>
      )}
    </>
  );
}
