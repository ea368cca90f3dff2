const DAY_MS = 86_400_000;

/** A report's range: calendar days in UTC, both ends included, as the API counts them. */
export interface DayRange {
  start: string;
  end: string;
}

export const presetDays = [7, 30, 90] as const;

export const todayUtc = (now = Date.now()) => new Date(now).toISOString().slice(0, 10);

export const shiftDay = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

export const daysIn = (range: DayRange) => Math.round((Date.parse(range.end) - Date.parse(range.start)) / DAY_MS) + 1;

/** The last `days` days through today. */
export const lastDays = (days: number, now = Date.now()): DayRange => {
  const end = todayUtc(now);
  return { start: shiftDay(end, -(days - 1)), end };
};

/** The period of equal length just before, which the tiles compare against. */
export const previousRange = (range: DayRange): DayRange => {
  const length = daysIn(range);
  return { start: shiftDay(range.start, -length), end: shiftDay(range.start, -1) };
};

export const isDay = (text: string | null): text is string =>
  text !== null && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));

/** The longest range the API answers (two years), which also bounds a chart's days. */
const MAX_RANGE_DAYS = 731;

/** Every day of the range, so a chart shows the days nothing was read as gaps rather than skipping them. */
export function eachDay(range: DayRange): string[] {
  const days: string[] = [];
  for (let day = range.start; day <= range.end && days.length < MAX_RANGE_DAYS; day = shiftDay(day, 1)) days.push(day);
  return days;
}
