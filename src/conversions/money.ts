/**
 * Exact money: amounts are decimal text (as PostgreSQL's numeric gives them) held as integers
 * of ten-thousandths, so sums and differences never pick up a float's rounding.
 */
export const MONEY_SCALE = 4;
const UNIT = 10n ** BigInt(MONEY_SCALE);

/** A non-negative amount with at most four decimals, as text: "250", "250.5", "0.0001". */
export const DECIMAL_PATTERN = /^\d{1,16}(\.\d{1,4})?$/;

export function toUnits(amount: string): bigint {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const units = BigInt(whole) * UNIT + BigInt(fraction.padEnd(MONEY_SCALE, "0").slice(0, MONEY_SCALE));
  return negative ? -units : units;
}

/** Units back to text with at least two decimals and no trailing zeros beyond: "250.00", "0.3333". */
export function fromUnits(units: bigint): string {
  const sign = units < 0n ? "-" : "";
  const magnitude = units < 0n ? -units : units;
  const fraction = (magnitude % UNIT).toString().padStart(MONEY_SCALE, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${magnitude / UNIT}.${fraction}`;
}

/** n ÷ d rounded half away from zero (BigInt division truncates). */
function roundedQuotient(numerator: bigint, divisor: bigint): bigint {
  const magnitude = (2n * (numerator < 0n ? -numerator : numerator) + divisor) / (2n * divisor);
  return numerator < 0n ? -magnitude : magnitude;
}

export const sumAmounts = (amounts: readonly string[]) => fromUnits(amounts.reduce((sum, a) => sum + toUnits(a), 0n));

/** An amount shared over a count, rounded half up to the fourth decimal; null over nothing. */
export function amountPer(amount: string, count: number): string | null {
  if (count <= 0) return null;
  return fromUnits(roundedQuotient(toUnits(amount), BigInt(count)));
}

/**
 * Return on investment, (revenue − cost) ÷ cost, as a ratio (1.5 is 150 %); null when no cost
 * was entered, since a return on nothing spent has no meaning, not an infinite one.
 */
export function returnOnInvestment(revenue: string, cost: string): number | null {
  const spent = toUnits(cost);
  if (spent <= 0n) return null;
  // A ratio, not money: rounded to six decimals, then read as a number.
  return Number(roundedQuotient((toUnits(revenue) - spent) * 1_000_000n, spent)) / 1_000_000;
}
