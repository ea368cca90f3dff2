import { useMutation, useQueryClient } from "@tanstack/react-query";
import { PlatformMark } from "../PlatformMark";
import { FormError } from "../ui";
import { platformName } from "./format";
import { analyticsKeys, requestRefresh } from "./queries";

/** "Refresh now": collects every account at once; the report is read again once it answered. */
export function useRefresh() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: requestRefresh,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: analyticsKeys.all }),
  });
}

/** What a refresh queued and what it skipped, and why. */
export function RefreshResult({
  refresh,
  accountNames,
}: {
  refresh: ReturnType<typeof useRefresh>;
  /** Connection id → account name, to say which account rather than only its platform. */
  accountNames: ReadonlyMap<string, string>;
}) {
  if (refresh.error) return <FormError error={refresh.error} />;
  if (!refresh.data) return null;
  const { queued, skipped } = refresh.data;
  return (
    <div className="callout refresh-result" role="status">
      <p>
        Queued {queued.length} account{queued.length === 1 ? "" : "s"} for collection
        {skipped.length ? `; skipped ${skipped.length}` : ""}. The figures below update as the platforms answer.
      </p>
      <ul className="refresh-list small">
        {queued.map((entry) => (
          <li key={entry.connectionId}>
            <PlatformMark platform={entry.platform} />{" "}
            {accountNames.get(entry.connectionId) ?? platformName(entry.platform)}: {entry.posts} post
            {entry.posts === 1 ? "" : "s"}
            {entry.account ? " and the account's figures" : ""}
          </li>
        ))}
        {skipped.map((entry) => (
          <li key={entry.connectionId}>
            <PlatformMark platform={entry.platform} />{" "}
            {accountNames.get(entry.connectionId) ?? platformName(entry.platform)}: skipped, {entry.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
