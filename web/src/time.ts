/** The offset of a time zone at an instant, in minutes east of UTC. */
function offsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  const asUtc = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return Math.round((asUtc - at.getTime()) / 60_000);
}

/** "2026-11-24T09:30" (or with seconds) on the wall clock of a zone, as an ISO time with that zone's offset. */
export function wallTimeToIso(local: string, timeZone: string): string {
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  const guess = new Date(`${withSeconds}Z`);
  const offset = offsetMinutes(timeZone, new Date(guess.getTime() - offsetMinutes(timeZone, guess) * 60_000));
  const sign = offset >= 0 ? "+" : "-";
  const absolute = Math.abs(offset);
  return `${withSeconds}${sign}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
}

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatInZone(iso: string, timeZone = viewerZone): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(iso),
  );
}

/**
 * "09:00 in Europe/Paris": a post's time on the clock of the zone it was scheduled in, for showing
 * beside the viewer's own; undefined when that zone's clock reads the same as the viewer's.
 */
export function timeInOwnZone(iso: string, timeZone: string | null): string | undefined {
  if (!timeZone) return undefined;
  const clock = (zone: string) =>
    new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short", timeZone: zone }).format(
      new Date(iso),
    );
  if (clock(timeZone) === clock(viewerZone)) return undefined;
  const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short", timeZone }).format(new Date(iso));
  return `${time} in ${timeZone}`;
}
