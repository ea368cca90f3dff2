import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, can } from "../api";
import { Button, Card, CopyButton, Field, fieldError, FormError, PageHeader, RelativeTime } from "../components/ui";
import { useSession } from "../session";

const settingsKey = ["conversion-settings"];

function AttributionWindowForm({ days }: { days: number }) {
  const queryClient = useQueryClient();
  const [value, setValue] = useState(String(days));
  const save = useMutation({
    mutationFn: () =>
      api("PUT", "/api/organization/conversion-settings", { body: { attributionWindowDays: Number(value) } }),
    onSuccess: (answer) => queryClient.setQueryData(settingsKey, answer),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="row" onSubmit={onSubmit} noValidate>
      <Field
        label="Attribution window (days)"
        name="attributionWindowDays"
        type="number"
        min={1}
        max={90}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        error={fieldError(save.error, "attributionWindowDays")}
      />
      <Button type="submit" variant="secondary" busy={save.isPending}>
        Save
      </Button>
      <FormError error={save.error} fields={["attributionWindowDays"]} />
    </form>
  );
}

/**
 * Conversion tracking: the public site key a site's pages present with the script, its snippet,
 * and the attribution window. Everyone with analytics sees them; admins create, rotate and change.
 */
export function ConversionsPage() {
  const { activeOrganization } = useSession();
  const manages = can(activeOrganization!.role, "conversions:manage");
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: settingsKey,
    queryFn: () => api("GET", "/api/organization/conversion-settings"),
  });
  const rotate = useMutation({
    mutationFn: () => api("POST", "/api/organization/conversion-settings/site-key"),
    onSuccess: (answer) => queryClient.setQueryData(settingsKey, answer),
  });
  const current = settings.data;
  return (
    <>
      <PageHeader
        title="Conversion tracking"
        description="Record sales and sign-ups on your own site and attribute them to the post, account and campaign whose link brought the visitor."
      />
      <div className="stack">
        <Card
          title="Site script"
          actions={
            manages ? (
              <Button
                variant={current?.siteKey ? "ghost" : "primary"}
                busy={rotate.isPending}
                onClick={() => {
                  if (
                    !current?.siteKey ||
                    window.confirm("Replace the site key? Pages with the old snippet stop recording conversions.")
                  )
                    rotate.mutate();
                }}
              >
                {current?.siteKey ? "Rotate site key" : "Create site key"}
              </Button>
            ) : null
          }
        >
          <FormError error={settings.error ?? rotate.error} />
          {current?.siteKey && current.snippet ? (
            <div className="stack">
              <p>
                Paste this into every page of your site, before <code>&lt;/body&gt;</code>. The site key is public: it
                can only record conversions. Never put an API key in a page.
              </p>
              <pre className="link-box" data-testid="conversion-snippet">
                {current.snippet}
              </pre>
              <div className="row">
                <CopyButton text={current.snippet} label="Copy snippet" />
                {current.siteKeyCreatedAt ? (
                  <span className="muted small">
                    Key created <RelativeTime at={current.siteKeyCreatedAt} />
                  </span>
                ) : null}
              </div>
              <p className="small muted">
                Servers can send conversions too: <code>POST /api/conversions</code> with an API key, with the{" "}
                <code>msclid</code> value the landing page received.
              </p>
            </div>
          ) : current ? (
            <p className="muted">No site key yet.{manages ? "" : " An admin of this organization can create one."}</p>
          ) : null}
        </Card>
        <Card title="Attribution">
          <p>
            A conversion counts for the last person's click on one of your tracked links within this many days before
            it. Clicks by bots and link previews never count.
          </p>
          {current ? (
            manages ? (
              <AttributionWindowForm key={current.attributionWindowDays} days={current.attributionWindowDays} />
            ) : (
              <p data-testid="attribution-window">{current.attributionWindowDays} days</p>
            )
          ) : null}
        </Card>
      </div>
    </>
  );
}
