import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, can, type Role } from "./api";

/** Every query that shows alerts, refetched together when the stream says one changed. */
export const alertQueryKey = ["alerts"] as const;

export function useUnreadAlerts(role: Role) {
  return useQuery({
    queryKey: [...alertQueryKey, "unread"],
    queryFn: () => api("GET", "/api/alerts/unread-count"),
    enabled: can(role, "alerts:view"),
  });
}

/**
 * Listens to the organization's alert stream while mounted: each raised, repeated or resolved
 * alert refetches what shows alerts. EventSource reconnects by itself after a drop.
 */
export function useAlertStream(role: Role, organizationId: string) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!can(role, "alerts:view")) return;
    const source = new EventSource("/api/alerts/stream");
    const refresh = () => void queryClient.invalidateQueries({ queryKey: alertQueryKey });
    source.addEventListener("alert", refresh);
    return () => source.close();
  }, [role, organizationId, queryClient]);
}

export const severityLabels = { info: "Info", warning: "Warning", critical: "Critical" } as const;
