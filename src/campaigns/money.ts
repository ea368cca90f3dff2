/**
 * Amounts are exact: kept as whole minor units (cents, or yen, which have none) and read and
 * written as decimal strings, never through a float.
 */

const knownCurrencies = new Set(Intl.supportedValuesOf("currency"));

/** An ISO 4217 code the runtime knows (so its minor unit is known). */
export const isCurrency = (code: string) => knownCurrencies.has(code);

/** Digits after the decimal point in the currency's minor unit: 2 for EUR, 0 for JPY, 3 for BHD. */
export const minorDigits = (currency: string) =>
  new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;

const DECIMAL = /^(\d{1,12})(?:\.(\d+))?$/;

/** "12.50" in EUR → 1250; undefined when it is not a plain amount with at most the currency's digits. */
export function toMinorUnits(amount: string, currency: string): number | undefined {
  const match = DECIMAL.exec(amount);
  const digits = minorDigits(currency);
  if (!match || (match[2]?.length ?? 0) > digits) return undefined;
  return Number(match[1]!) * 10 ** digits + Number((match[2] ?? "").padEnd(digits, "0") || "0");
}

/** 1250 in EUR → "12.50". */
export function fromMinorUnits(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? "-" : "";
  const whole = Math.abs(minor)
    .toString()
    .padStart(digits + 1, "0");
  return digits === 0 ? `${sign}${whole}` : `${sign}${whole.slice(0, -digits)}.${whole.slice(-digits)}`;
}
