import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { projectPath } from "../../src/paths.js";

/**
 * WCAG 2.2 contrast (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio) of the dashboard's text
 * colours on the backgrounds they are used on; AA asks 4.5:1 for body text (1.4.3).
 */
const styles = readFileSync(projectPath("web", "src", "styles.css"), "utf8");

function variable(name: string): string {
  const match = new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, "i").exec(styles);
  assert.ok(match, `--${name} is a six-digit colour in styles.css`);
  return match[1]!;
}

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(foreground: string, background: string): number {
  const [lighter, darker] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (lighter! + 0.05) / (darker! + 0.05);
}

test("grey and status text reach WCAG AA (4.5:1) on every background they sit on", () => {
  const backgrounds = ["surface", "canvas", "brand-soft"].map(variable);
  const pairs: [string, string][] = [
    ...["ink", "ink-soft", "ink-faint", "brand", "brand-dark"].flatMap((text) =>
      backgrounds.map((background): [string, string] => [variable(text), background]),
    ),
    // Status chips: text on its own soft background.
    ["#047857", variable("ok-soft")],
    ["#b91c1c", variable("bad-soft")],
    ["#c2410c", "#fff7ed"],
    [variable("brand-dark"), variable("brand-soft")],
  ];
  for (const [text, background] of pairs) {
    const ratio = contrast(text, background);
    assert.ok(ratio >= 4.5, `${text} on ${background}: ${ratio.toFixed(2)}:1`);
  }
  assert.ok(contrast("#9ca3af", "#ffffff") < 3, "the check would have caught the old grey (2.5:1)");
});
