import { DateTime } from "luxon";

/**
 * When a daily platform quota comes back: LinkedIn's at midnight UTC, YouTube's at midnight
 * Pacific time. The next midnight is found on the zone's calendar, since a day that changes the
 * clocks lasts 23 or 25 hours.
 */
export function nextMidnight(timeZone: string, now: number): Date {
  return DateTime.fromMillis(now, { zone: timeZone }).plus({ days: 1 }).startOf("day").toJSDate();
}
