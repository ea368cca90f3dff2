import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, can, type ConnectionErrorRecord, type PlatformHealth } from "../api";
import { PlatformMark } from "../components/PlatformMark";
import { Button, Card, FormError, PageHeader, RelativeTime, SelectField } from "../components/ui";
import { useSession } from "../session";
import { platformIds, platformProfiles, type PlatformId } from "../../../src/platforms/profiles";

type WindowName = keyof PlatformHealth["api"]["windows"];

/** The dashboard's refresh: health moves by the minute, and a person watching an outage wants it soon. */
const REFRESH_MS = 30_000;

const windowLabels: Record<WindowName, string> = { "5m": "Last 5 minutes", "1h": "Last hour", "24h": "Last 24 hours" };
const stateLabels: Record<PlatformHealth["api"]["state"], string> = {
  operational: "Operational",
  degraded: "Degraded",
  down: "Down",
};
const errorTypeLabels: Record<ConnectionErrorRecord["errorType"], string> = {
  oauth: "Sign-in",
  api: "API",
  rate_limit: "Rate limit",
  token: "Token",
};

const percent = (share: number | null) => (share === null ? "—" : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`);
const milliseconds = (value: number | undefined) => (value === undefined ? "—" : `${Math.round(value)} ms`);

function PlatformHealthCard({ health, window }: { health: PlatformHealth; window: WindowName }) {
  const figures = health.api.windows[window];
  const failures = Object.entries(figures.failuresByKind);
  const connected = Object.entries(health.counts).filter(([, count]) => count > 0);
  return (
    <section className="card health-card" aria-label={`${platformProfiles[health.platform].name} health`}>
      <div className="card-header">
        <h2 className="health-title">
          <PlatformMark platform={health.platform} /> {platformProfiles[health.platform].name}
        </h2>
        <span className="health-state">
          <span className="muted small">last 5 min</span>
          <span className={`status api-state-${health.api.state}`}>{stateLabels[health.api.state]}</span>
        </span>
      </div>
      <dl className="facts health-facts">
        <div>
          <dt>Calls</dt>
          <dd>{figures.calls}</dd>
        </div>
        <div>
          <dt>Success rate</dt>
          <dd>{percent(figures.successRate)}</dd>
        </div>
        <div>
          <dt>Latency p50 / p95 / p99</dt>
          <dd className="latency">
            {figures.latencyMs
              ? `${milliseconds(figures.latencyMs.p50)} / ${milliseconds(figures.latencyMs.p95)} / ${milliseconds(figures.latencyMs.p99)}`
              : "—"}
          </dd>
        </div>
        <div>
          <dt>Accounts</dt>
          <dd className="small">
            {connected.length === 0
              ? "None connected"
              : connected.map(([status, count]) => `${count} ${status.replace("_", " ")}`).join(", ")}
          </dd>
        </div>
      </dl>
      <div className="small">
        <strong>Errors by kind: </strong>
        {failures.length === 0
          ? "none"
          : failures.map(([kind, count]) => `${kind.replace("_", " ")} ${count}`).join(", ")}
      </div>
      <div className="small muted">
        {figures.lastError ? (
          <>
            Last error: <code>{figures.lastError.operation}</code> ({figures.lastError.failureKind ?? "failed"},{" "}
            {figures.lastError.statusClass}) <RelativeTime at={figures.lastError.at} />
          </>
        ) : (
          "No error in this window."
        )}
        {health.unresolvedErrors > 0 ? ` · ${health.unresolvedErrors} open error records` : ""}
      </div>
    </section>
  );
}

type Scope = "organization" | "all";

function ErrorsTable({ canResolve, scope }: { canResolve: boolean; scope: Scope }) {
  const [platform, setPlatform] = useState<PlatformId | "">("");
  const [resolved, setResolved] = useState<"" | "true" | "false">("false");
  const [errorType, setErrorType] = useState<ConnectionErrorRecord["errorType"] | "">("");
  const queryClient = useQueryClient();
  const errors = useInfiniteQuery({
    queryKey: ["connection-errors", scope, platform, resolved, errorType],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      api("GET", "/api/social-media/errors", {
        query: {
          scope,
          limit: 50,
          platform: platform || undefined,
          resolved: resolved || undefined,
          errorType: errorType || undefined,
          before: pageParam || undefined,
        },
      }),
    getNextPageParam: (page) => page.nextBefore ?? undefined,
    refetchInterval: REFRESH_MS,
  });
  const resolve = useMutation({
    mutationFn: (id: number) => api("POST", "/api/social-media/errors/{id}/resolve", { path: { id } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["connection-errors"] }),
  });
  const rows = errors.data?.pages.flatMap((page) => page.errors) ?? [];

  return (
    <Card title="Error records">
      <div className="filters">
        <SelectField
          label="Platform"
          name="platform"
          value={platform}
          onChange={(event) => setPlatform(event.target.value as PlatformId | "")}
        >
          <option value="">All platforms</option>
          {platformIds.map((id) => (
            <option key={id} value={id}>
              {platformProfiles[id].name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="State"
          name="resolved"
          value={resolved}
          onChange={(event) => setResolved(event.target.value as typeof resolved)}
        >
          <option value="false">Open</option>
          <option value="true">Resolved</option>
          <option value="">Any</option>
        </SelectField>
        <SelectField
          label="Type"
          name="errorType"
          value={errorType}
          onChange={(event) => setErrorType(event.target.value as typeof errorType)}
        >
          <option value="">Any type</option>
          {Object.entries(errorTypeLabels).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
      </div>
      <FormError error={resolve.error} />
      {rows.length === 0 && !errors.isPending ? (
        <p className="muted empty">No error records for these filters.</p>
      ) : (
        <div className="table-scroll">
          <table className="table errors-table">
            <thead>
              <tr>
                <th>Last seen</th>
                <th>Platform</th>
                <th>Type</th>
                <th>What happened</th>
                <th>Times</th>
                <th>State</th>
                {canResolve ? <th aria-label="Actions" /> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((error) => (
                <tr key={error.id}>
                  <td className="muted nowrap" data-label="Last seen">
                    <RelativeTime at={error.at} />
                  </td>
                  <td className="nowrap" data-label="Platform">
                    {platformProfiles[error.platform].name}
                  </td>
                  <td data-label="Type">{errorTypeLabels[error.errorType]}</td>
                  <td data-label="What happened">{error.message}</td>
                  <td data-label="Times">{error.occurrences}</td>
                  <td className="nowrap" data-label="State">
                    {error.resolved ? (error.resolvedByUserId ? "Resolved by hand" : "Resolved") : "Open"}
                  </td>
                  {canResolve ? (
                    <td className="actions">
                      {error.resolved ? null : (
                        <Button
                          variant="secondary"
                          busy={resolve.isPending && resolve.variables === error.id}
                          onClick={() => resolve.mutate(error.id)}
                        >
                          Resolve
                        </Button>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {errors.hasNextPage ? (
        <div className="center">
          <Button variant="secondary" onClick={() => errors.fetchNextPage()} busy={errors.isFetchingNextPage}>
            Load older records
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

export function PlatformHealthPage() {
  const { activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const [window, setWindow] = useState<WindowName>("1h");
  const [scope, setScope] = useState<Scope>("organization");
  const health = useQuery({
    queryKey: ["platform-health", scope],
    queryFn: () => api("GET", "/api/social-media/health", { query: { scope } }),
    refetchInterval: REFRESH_MS,
  });

  return (
    <>
      <PageHeader
        title="Platform health"
        description="How each platform's API has answered recent calls, and the errors accounts met. Refreshed every 30 seconds."
      />
      <div className="filters">
        <SelectField
          label="Figures over"
          name="window"
          value={window}
          onChange={(event) => setWindow(event.target.value as WindowName)}
        >
          {Object.entries(windowLabels).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        {role === "SUPER_ADMIN" ? (
          <SelectField
            label="Scope"
            name="scope"
            value={scope}
            onChange={(event) => setScope(event.target.value as Scope)}
          >
            <option value="organization">This organization</option>
            <option value="all">All organizations</option>
          </SelectField>
        ) : null}
      </div>
      <FormError error={health.error} />
      <div className="platform-grid">
        {health.data?.platforms.map((platform) => (
          <PlatformHealthCard key={platform.platform} health={platform} window={window} />
        ))}
      </div>
      {/* Resolving is done in the incident's own organization, so not from the installation-wide view. */}
      <ErrorsTable canResolve={can(role, "errors:resolve") && scope === "organization"} scope={scope} />
    </>
  );
}
