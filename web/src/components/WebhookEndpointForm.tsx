import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { eventTypes } from "../../../src/monitoring/event-types";
import { api, type EventType, type WebhookEndpoint } from "../api";
import { Button, Field, fieldError, FormError } from "./ui";

/** What each event means to the person choosing what to be told. */
export const eventLabels: Record<EventType, string> = {
  "post.published": "A post was published on an account",
  "post.failed": "A post failed on an account",
  "post.unknown": "A post's outcome is unknown and needs a person",
  "connection.status_changed": "A social account's connection changed status",
  "alert.raised": "An alert was raised",
};

/**
 * Adds an endpoint (answering its secret, which the page shows once) or edits one. The server
 * checks the address; its refusal is shown under the field it names.
 */
export function WebhookEndpointForm({
  endpoint,
  onDone,
}: {
  endpoint?: WebhookEndpoint;
  onDone: (created?: { endpoint: WebhookEndpoint; secret: string }) => void;
}) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState(endpoint?.url ?? "");
  const [description, setDescription] = useState(endpoint?.description ?? "");
  const [events, setEvents] = useState<EventType[]>(endpoint?.events ?? ["post.published", "post.failed"]);
  const save = useMutation({
    mutationFn: async () => {
      const body = { url, description, events };
      if (!endpoint) return api("POST", "/api/webhooks/endpoints", { body });
      await api("PATCH", "/api/webhooks/endpoints/{endpointId}", { path: { endpointId: endpoint.id }, body });
      return undefined;
    },
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ["webhooks"] });
      onDone(created);
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const toggle = (type: EventType, checked: boolean) =>
    setEvents((chosen) => (checked ? [...chosen, type] : chosen.filter((other) => other !== type)));
  const eventsError = fieldError(save.error, "events") ?? fieldError(save.error, "events.0");

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <Field
        label="Endpoint URL"
        name="webhookUrl"
        type="url"
        placeholder="https://example.com/webhooks/marketsage"
        hint="An https:// address on the public internet; redirects are not followed."
        value={url}
        onChange={(event) => setUrl(event.target.value)}
        error={fieldError(save.error, "url")}
      />
      <Field
        label="Description"
        name="webhookDescription"
        placeholder="What receives these events (optional)"
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        error={fieldError(save.error, "description")}
      />
      <fieldset className="event-checks">
        <legend className="field-label">Events to send</legend>
        {eventTypes.map((type) => (
          <label key={type} className="inline-check">
            <input
              type="checkbox"
              checked={events.includes(type)}
              onChange={(event) => toggle(type, event.target.checked)}
            />
            <span>
              <code className="action">{type}</code> <span className="muted small">{eventLabels[type]}</span>
            </span>
          </label>
        ))}
        {eventsError ? <span className="field-error">{eventsError}</span> : null}
      </fieldset>
      <FormError error={save.error} fields={["url", "description", "events", "events.0"]} />
      <div className="row">
        <Button type="submit" busy={save.isPending} disabled={events.length === 0}>
          {endpoint ? "Save changes" : "Add endpoint"}
        </Button>
        <Button type="button" variant="ghost" onClick={() => onDone()}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
