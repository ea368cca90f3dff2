import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { api, can, type Alert } from "../api";
import { alertQueryKey, severityLabels } from "../alerts";
import { AlertPreferencesCard } from "../components/AlertPreferencesCard";
import { Button, Card, PageHeader, RelativeTime, SelectField } from "../components/ui";
import { useSession } from "../session";
import { alertRuleLabels, alertRules, type AlertRule } from "../../../src/monitoring/alerts/rules";

const states = [
  { value: "open", label: "Open" },
  { value: "resolved", label: "Resolved" },
  { value: "", label: "All" },
];

function AlertRow({ alert, highlighted, canResolve }: { alert: Alert; highlighted: boolean; canResolve: boolean }) {
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: alertQueryKey });
  const markRead = useMutation({
    mutationFn: () => api("POST", "/api/alerts/{id}/read", { path: { id: alert.id } }),
    onSuccess: refresh,
  });
  const resolve = useMutation({
    mutationFn: () => api("POST", "/api/alerts/{id}/resolve", { path: { id: alert.id } }),
    onSuccess: refresh,
  });
  return (
    <li
      className={`alert-row${alert.read ? "" : " unread"}${highlighted ? " highlighted" : ""}`}
      id={`alert-${alert.id}`}
    >
      <div className="alert-row-main">
        <div className="alert-row-title">
          <span className={`status status-severity-${alert.severity}`}>{severityLabels[alert.severity]}</span>
          <strong>{alert.title}</strong>
        </div>
        <p>{alert.message}</p>
        <p className="muted small">
          {alert.occurrences > 1 ? (
            <>
              {alert.occurrences} times since <RelativeTime at={alert.firstAt} />, last{" "}
              <RelativeTime at={alert.lastAt} />
            </>
          ) : (
            <RelativeTime at={alert.lastAt} />
          )}
          {alert.resolvedAt ? (
            <>
              {" "}
              · resolved <RelativeTime at={alert.resolvedAt} />
            </>
          ) : null}
        </p>
      </div>
      <div className="alert-row-actions">
        {alert.read ? null : (
          <Button variant="ghost" busy={markRead.isPending} onClick={() => markRead.mutate()}>
            Mark read
          </Button>
        )}
        {canResolve && !alert.resolvedAt ? (
          <Button variant="secondary" busy={resolve.isPending} onClick={() => resolve.mutate()}>
            Resolve
          </Button>
        ) : null}
      </div>
    </li>
  );
}

export function AlertsPage() {
  const { activeOrganization } = useSession();
  const role = activeOrganization!.role;
  const [searchParams] = useSearchParams();
  const [state, setState] = useState("open");
  const [rule, setRule] = useState<AlertRule | "">("");
  const queryClient = useQueryClient();
  const alerts = useInfiniteQuery({
    queryKey: [...alertQueryKey, "list", state, rule],
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      api("GET", "/api/alerts", {
        query: {
          limit: 20,
          offset: pageParam,
          unresolved: state === "" ? undefined : state === "open" ? "true" : "false",
          rule: rule || undefined,
        },
      }),
    getNextPageParam: (page) => page.nextOffset ?? undefined,
  });
  const markAll = useMutation({
    mutationFn: () => api("POST", "/api/alerts/read-all"),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: alertQueryKey }),
  });
  const rows = alerts.data?.pages.flatMap((page) => page.alerts) ?? [];

  return (
    <>
      <PageHeader
        title="Alerts"
        description="What needs attention: failed posts, accounts to reconnect, late publishing. A repeat of an open alert is counted on it, not sent again."
        actions={
          <Button variant="secondary" busy={markAll.isPending} onClick={() => markAll.mutate()}>
            Mark all read
          </Button>
        }
      />
      <Card>
        <div className="filters">
          <SelectField label="State" name="state" value={state} onChange={(event) => setState(event.target.value)}>
            {states.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Kind"
            name="rule"
            value={rule}
            onChange={(event) => setRule(event.target.value as AlertRule | "")}
          >
            <option value="">Every kind</option>
            {alertRules.map((name) => (
              <option key={name} value={name}>
                {alertRuleLabels[name]}
              </option>
            ))}
          </SelectField>
        </div>
        {rows.length === 0 && !alerts.isPending ? (
          <p className="muted empty">No alerts here. All quiet.</p>
        ) : (
          <ul className="alert-list">
            {rows.map((alert) => (
              <AlertRow
                key={alert.id}
                alert={alert}
                highlighted={searchParams.get("alert") === alert.id}
                canResolve={can(role, "alerts:manage")}
              />
            ))}
          </ul>
        )}
        {alerts.hasNextPage ? (
          <div className="center">
            <Button variant="secondary" onClick={() => alerts.fetchNextPage()} busy={alerts.isFetchingNextPage}>
              Load older alerts
            </Button>
          </div>
        ) : null}
      </Card>
      <AlertPreferencesCard />
    </>
  );
}
