import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ApiError, type Connection } from "../../api";
import { viewerZone } from "../../time";
import { Button, Card, fieldError, FormError } from "../ui";
import "./slots.css";

const weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const zones = Intl.supportedValuesOf("timeZone");

interface Slot {
  weekday: number;
  time: string;
}

/**
 * One account's weekly posting times, which "add to queue" fills in order. Everyone who posts
 * sees them; only those allowed to change them get the inputs.
 */
function AccountSlots({ connection, canEdit }: { connection: Connection; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const path = { id: connection.id };
  const saved = useQuery({
    queryKey: ["slots", connection.id],
    queryFn: () => api("GET", "/api/social-media/connections/{id}/slots", { path }),
  });
  const [timeZone, setTimeZone] = useState(viewerZone);
  const [slots, setSlots] = useState<Slot[]>([]);
  const [newSlot, setNewSlot] = useState<Slot>({ weekday: 1, time: "09:00" });
  useEffect(() => {
    if (!saved.data) return;
    const { schedule } = saved.data;
    setSlots(schedule.slots);
    if (schedule.updatedAt) setTimeZone(schedule.timeZone);
  }, [saved.data]);
  const save = useMutation({
    mutationFn: () => api("PUT", "/api/social-media/connections/{id}/slots", { path, body: { timeZone, slots } }),
    onSuccess: (answer) => queryClient.setQueryData(["slots", connection.id], answer),
  });
  const slotError = (index: number) =>
    save.error instanceof ApiError && save.error.field?.startsWith(`slots.${index}`) ? save.error.message : undefined;
  const idPrefix = `slots-${connection.id}`;
  const sorted = (list: Slot[]) => [...list].sort((a, b) => a.weekday - b.weekday || a.time.localeCompare(b.time));

  return (
    <li className="slots-account" data-testid={`slots-${connection.id}`}>
      <h3>{connection.name}</h3>
      {saved.isPending ? <p className="muted small">Loading…</p> : null}
      {slots.length === 0 && !saved.isPending ? (
        <p className="muted small">No posting slots: "Add to queue" cannot pick a time for this account yet.</p>
      ) : (
        <ul className="slots-list" aria-label={`Posting slots of ${connection.name}`}>
          {slots.map((slot, index) => (
            <li key={`${slot.weekday}-${slot.time}`} className="slot-chip">
              {weekdays[slot.weekday - 1]} {slot.time}
              {canEdit ? (
                <button
                  type="button"
                  className="slot-remove"
                  aria-label={`Remove ${weekdays[slot.weekday - 1]} ${slot.time}`}
                  onClick={() => setSlots(slots.filter((_, other) => other !== index))}
                >
                  ×
                </button>
              ) : null}
              {slotError(index) ? <span className="field-error">{slotError(index)}</span> : null}
            </li>
          ))}
        </ul>
      )}
      {canEdit ? (
        <form
          className="slots-form"
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <div className="field">
            <label className="field-label" htmlFor={`${idPrefix}-zone`}>
              Time zone
            </label>
            <input
              id={`${idPrefix}-zone`}
              list={`${idPrefix}-zones`}
              value={timeZone}
              onChange={(event) => setTimeZone(event.target.value)}
              aria-invalid={Boolean(fieldError(save.error, "timeZone"))}
            />
            <datalist id={`${idPrefix}-zones`}>
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            {fieldError(save.error, "timeZone") ? (
              <span className="field-error">{fieldError(save.error, "timeZone")}</span>
            ) : null}
          </div>
          <div className="slots-add">
            <div className="field">
              <label className="field-label" htmlFor={`${idPrefix}-day`}>
                Day
              </label>
              <select
                id={`${idPrefix}-day`}
                value={newSlot.weekday}
                onChange={(event) => setNewSlot({ ...newSlot, weekday: Number(event.target.value) })}
              >
                {weekdays.map((name, index) => (
                  <option key={name} value={index + 1}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label className="field-label" htmlFor={`${idPrefix}-time`}>
                Time
              </label>
              <input
                id={`${idPrefix}-time`}
                type="time"
                value={newSlot.time}
                onChange={(event) => setNewSlot({ ...newSlot, time: event.target.value })}
              />
            </div>
            <Button
              type="button"
              variant="secondary"
              disabled={
                !newSlot.time || slots.some((slot) => slot.weekday === newSlot.weekday && slot.time === newSlot.time)
              }
              onClick={() => setSlots(sorted([...slots, newSlot]))}
            >
              Add slot
            </Button>
            <Button
              type="button"
              variant="ghost"
              onClick={() =>
                setSlots(
                  sorted([
                    ...slots,
                    ...[1, 2, 3, 4, 5]
                      .map((weekday) => ({ weekday, time: newSlot.time }))
                      .filter(
                        (slot) => !slots.some((other) => other.weekday === slot.weekday && other.time === slot.time),
                      ),
                  ]),
                )
              }
            >
              Every weekday at this time
            </Button>
          </div>
          {fieldError(save.error, "slots") ? (
            <span className="field-error">{fieldError(save.error, "slots")}</span>
          ) : null}
          <FormError error={save.error} fields={["timeZone", "slots"]} />
          <div className="row">
            <Button type="submit" busy={save.isPending}>
              Save slots
            </Button>
            {save.isSuccess && !save.isPending ? (
              <span className="muted small" role="status">
                Saved.
              </span>
            ) : null}
          </div>
        </form>
      ) : saved.data?.schedule.updatedAt ? (
        <p className="muted small">In {saved.data.schedule.timeZone}. An administrator can change them.</p>
      ) : null}
    </li>
  );
}

/** The posting slots of every connected account, on the Social accounts page. */
export function PostingSlots({ connections, canEdit }: { connections: Connection[]; canEdit: boolean }) {
  if (connections.length === 0) return null;
  return (
    <Card title="Posting slots">
      <p className="muted small">
        Weekly times each account posts at. "Add to queue" in Compose, and imports without a time, take the next slot
        free on every chosen account.
      </p>
      <ul className="slots-accounts">
        {connections.map((connection) => (
          <AccountSlots key={connection.id} connection={connection} canEdit={canEdit} />
        ))}
      </ul>
    </Card>
  );
}
