/**
 * When a daily platform quota comes back: LinkedIn's at midnight UTC, YouTube's at midnight
 * Pacific time.
 */
export function nextMidnight(timeZone: string, now: number): Date {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(now));
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  const elapsedToday = ((part("hour") * 60 + part("minute")) * 60 + part("second")) * 1000 + (now % 1000);
  return new Date(now - elapsedToday + 86_400_000);
}
