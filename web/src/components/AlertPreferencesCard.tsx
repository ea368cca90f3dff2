import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type AlertPreferences } from "../api";
import { Card, FormError } from "./ui";

type Choice = AlertPreferences["rules"][number];

/** Which alerts reach the member, in-app and by e-mail; says so when the server cannot send e-mail. */
export function AlertPreferencesCard() {
  const queryClient = useQueryClient();
  const preferences = useQuery({
    queryKey: ["alert-preferences"],
    queryFn: () => api("GET", "/api/alerts/preferences"),
  });
  const save = useMutation({
    mutationFn: (choice: Choice) =>
      api("PUT", "/api/alerts/preferences", {
        body: { rules: [{ rule: choice.rule, inApp: choice.inApp, email: choice.email }] },
      }),
    onSuccess: (answer) => queryClient.setQueryData(["alert-preferences"], answer),
  });
  if (!preferences.data) return null;
  const { emailAvailable, rules } = preferences.data;
  return (
    <Card title="How alerts reach you">
      {emailAvailable ? null : (
        <p className="callout">
          E-mail is off on this server (no SMTP settings), so alerts appear here only. Your e-mail choices are kept for
          when it is set up.
        </p>
      )}
      <table className="table preferences-table">
        <thead>
          <tr>
            <th>Alert</th>
            <th>In the dashboard</th>
            <th>By e-mail</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((choice) => (
            <tr key={choice.rule}>
              <td>{choice.label}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${choice.label}: in the dashboard`}
                  checked={choice.inApp}
                  disabled={save.isPending}
                  onChange={(event) => save.mutate({ ...choice, inApp: event.target.checked })}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${choice.label}: by e-mail`}
                  checked={choice.email}
                  disabled={save.isPending}
                  onChange={(event) => save.mutate({ ...choice, email: event.target.checked })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormError error={save.error} />
    </Card>
  );
}
