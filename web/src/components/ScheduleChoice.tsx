import { viewerZone } from "../time";
import { Card, Field } from "./ui";

// The viewer's own zone first; it may be an alias (UTC) absent from the canonical list.
const zones = [
  viewerZone,
  ...(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : []).filter(
    (zone) => zone !== viewerZone,
  ),
];

export interface Schedule {
  /** `queue`: the server picks the next posting slot free for every chosen account. */
  when: "now" | "later" | "queue";
  /** The wall-clock time in `zone`, as a datetime-local input writes it. */
  localTime: string;
  zone: string;
}

export const publishNow: Schedule = { when: "now", localTime: "", zone: viewerZone };

/**
 * Publish now, at a time on the clock of a chosen zone, or (for a new post, `canQueue`) at the
 * accounts' next free posting slot.
 */
export function ScheduleChoice({
  schedule,
  onChange,
  error,
  canQueue = false,
  queueError,
}: {
  schedule: Schedule;
  onChange: (schedule: Schedule) => void;
  error?: string;
  canQueue?: boolean;
  /** The server's refusal to queue, such as an account without posting slots. */
  queueError?: string;
}) {
  const set = (change: Partial<Schedule>) => onChange({ ...schedule, ...change });
  return (
    <Card title="When">
      <div className="row">
        <label className="inline-check">
          <input type="radio" name="when" checked={schedule.when === "now"} onChange={() => set({ when: "now" })} />{" "}
          Publish now
        </label>
        <label className="inline-check">
          <input type="radio" name="when" checked={schedule.when === "later"} onChange={() => set({ when: "later" })} />{" "}
          Schedule
        </label>
        {canQueue ? (
          <label className="inline-check">
            <input
              type="radio"
              name="when"
              checked={schedule.when === "queue"}
              onChange={() => set({ when: "queue" })}
            />{" "}
            Add to queue
          </label>
        ) : null}
      </div>
      {schedule.when === "queue" ? (
        queueError ? (
          <p className="field-error" role="alert">
            {queueError}
          </p>
        ) : (
          <p className="field-hint">Goes out at the next posting slot free for every chosen account.</p>
        )
      ) : null}
      {schedule.when === "later" ? (
        <div className="row">
          <Field
            label="Date and time"
            name="scheduledAt"
            type="datetime-local"
            step={1}
            value={schedule.localTime}
            onChange={(event) => set({ localTime: event.target.value })}
            error={error}
          />
          <div className="field">
            <label className="field-label" htmlFor="zone">
              Time zone
            </label>
            <select id="zone" value={schedule.zone} onChange={(event) => set({ zone: event.target.value })}>
              {zones.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : null}
    </Card>
  );
}
