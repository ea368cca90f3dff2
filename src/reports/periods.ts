import { DateTime, type WeekdayNumbers } from "luxon";
import type { reportRangeKinds, reportScheduleKinds } from "../db/schema.js";

export interface DayRange {
  start: string;
  end: string;
}

export interface RangeDefinition {
  rangeKind: (typeof reportRangeKinds)[number];
  rangeStart: string | null;
  rangeEnd: string | null;
  timeZone: string;
}

export interface ScheduleDefinition {
  scheduleKind: (typeof reportScheduleKinds)[number];
  scheduleWeekday: number | null;
  scheduleMonthDay: number | null;
  scheduleHour: number | null;
  timeZone: string;
}

const ISO_DAY = "yyyy-MM-dd";

/**
 * The days a report covers when read at an instant: a fixed range as chosen; a relative one
 * by the calendar of the report's zone (the last 7 whole days, the last whole month, or the
 * month so far through today).
 */
export function resolveRange(definition: RangeDefinition, at: number): DayRange {
  if (definition.rangeKind === "fixed") return { start: definition.rangeStart!, end: definition.rangeEnd! };
  const today = DateTime.fromMillis(at, { zone: definition.timeZone }).startOf("day");
  switch (definition.rangeKind) {
    case "last_7_days":
      return { start: today.minus({ days: 7 }).toFormat(ISO_DAY), end: today.minus({ days: 1 }).toFormat(ISO_DAY) };
    case "last_month": {
      const month = today.startOf("month").minus({ months: 1 });
      return { start: month.toFormat(ISO_DAY), end: month.endOf("month").toFormat(ISO_DAY) };
    }
    case "month_to_date":
      return { start: today.startOf("month").toFormat(ISO_DAY), end: today.toFormat(ISO_DAY) };
  }
}

/** The range of the same length that ends the day before: what a report's changes are measured against. */
export function previousRange(range: DayRange): DayRange {
  const start = DateTime.fromISO(range.start, { zone: "UTC" });
  const end = DateTime.fromISO(range.end, { zone: "UTC" });
  const days = end.diff(start, "days").days + 1;
  return {
    start: start.minus({ days }).toFormat(ISO_DAY),
    end: start.minus({ days: 1 }).toFormat(ISO_DAY),
  };
}

export interface Occurrence {
  /** When the sending was due, in epoch milliseconds. */
  at: number;
  /** The period it stands for: its ISO week (`2026-W48`) or month (`2026-11`) in the report's zone. */
  periodKey: string;
}

/** The latest time a schedule came due at or before an instant; none for a report that is not scheduled. */
export function latestOccurrence(schedule: ScheduleDefinition, now: number): Occurrence | undefined {
  const hour = schedule.scheduleHour ?? 0;
  const local = DateTime.fromMillis(now, { zone: schedule.timeZone });
  if (schedule.scheduleKind === "weekly") {
    let due = local.set({
      weekday: schedule.scheduleWeekday as WeekdayNumbers,
      hour,
      minute: 0,
      second: 0,
      millisecond: 0,
    });
    if (due.toMillis() > now) due = due.minus({ weeks: 1 });
    return { at: due.toMillis(), periodKey: `${due.weekYear}-W${String(due.weekNumber).padStart(2, "0")}` };
  }
  if (schedule.scheduleKind === "monthly") {
    let due = local.set({ day: schedule.scheduleMonthDay!, hour, minute: 0, second: 0, millisecond: 0 });
    if (due.toMillis() > now) due = due.minus({ months: 1 });
    return { at: due.toMillis(), periodKey: due.toFormat("yyyy-MM") };
  }
  return undefined;
}

/** Whether a zone name is one the time zone database knows. */
export const isKnownZone = (zone: string) => DateTime.local().setZone(zone).isValid;
