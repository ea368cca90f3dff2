import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { api, type Role } from "../api";
import { alertQueryKey, useAlertStream, useUnreadAlerts } from "../alerts";
import { RelativeTime } from "./ui";

/** The header's bell: the unread count, live, and the latest alerts in a panel. */
export function AlertBell({ role, organizationId }: { role: Role; organizationId: string }) {
  useAlertStream(role, organizationId);
  const unread = useUnreadAlerts(role);
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const queryClient = useQueryClient();
  const recent = useQuery({
    queryKey: [...alertQueryKey, "recent"],
    queryFn: () => api("GET", "/api/alerts", { query: { limit: 8 } }),
    enabled: open,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: alertQueryKey });
  const markRead = useMutation({
    mutationFn: (id: string) => api("POST", "/api/alerts/{id}/read", { path: { id } }),
    onSuccess: refresh,
  });
  const markAll = useMutation({ mutationFn: () => api("POST", "/api/alerts/read-all"), onSuccess: refresh });

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !panel.current?.contains(event.target as Node))
        setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  if (!unread.data) return null;
  const count = unread.data.unread;
  return (
    <div className="bell" ref={panel}>
      <button
        type="button"
        className="bell-button"
        aria-label={count ? `Alerts: ${count} unread` : "Alerts"}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <svg className="bell-icon" viewBox="0 0 24 24" aria-hidden>
          <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.5A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Zm0 19a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Z" />
        </svg>
        {count ? <span className="bell-count">{count > 99 ? "99+" : count}</span> : null}
      </button>
      {open ? (
        <div className="bell-panel" role="dialog" aria-label="Recent alerts">
          <div className="bell-panel-header">
            <strong>Alerts</strong>
            <button className="link-button" disabled={!count || markAll.isPending} onClick={() => markAll.mutate()}>
              Mark all read
            </button>
          </div>
          {recent.data?.alerts.length === 0 ? <p className="muted small">Nothing to report.</p> : null}
          <ul className="bell-list">
            {recent.data?.alerts.map((alert) => (
              <li key={alert.id} className={alert.read ? "" : "unread"}>
                <span className={`dot dot-${alert.severity}`} aria-hidden />
                <div>
                  <Link to={`/alerts?alert=${alert.id}`} onClick={() => setOpen(false)}>
                    {alert.title}
                  </Link>
                  <p className="muted small">
                    <RelativeTime at={alert.lastAt} />
                    {alert.occurrences > 1 ? ` · ${alert.occurrences} times` : ""}
                    {alert.resolvedAt ? " · resolved" : ""}
                  </p>
                </div>
                {alert.read ? null : (
                  <button className="link-button small" onClick={() => markRead.mutate(alert.id)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
          <Link className="bell-all" to="/alerts" onClick={() => setOpen(false)}>
            See all alerts
          </Link>
        </div>
      ) : null}
    </div>
  );
}
