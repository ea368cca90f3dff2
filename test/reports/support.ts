import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { HttpClient } from "../support/client.js";

/** A file answered by the app, as bytes, with the client's session when it has one. */
export async function download(
  client: HttpClient,
  path: string,
): Promise<{ status: number; type: string; bytes: Buffer }> {
  const session = client.cookie("msid");
  const answer = await fetch(new URL(path, client.baseUrl), { headers: session ? { cookie: `msid=${session}` } : {} });
  return {
    status: answer.status,
    type: answer.headers.get("content-type") ?? "",
    bytes: Buffer.from(await answer.arrayBuffer()),
  };
}

/** The fonts a PDF names without embedding them (pdfkit's Helvetica), as pdf.js ships them. */
const standardFontDataUrl = `${path.join(path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json")), "standard_fonts")}/`;

/** Every line of text a PDF holds, as a reader would extract it. */
export async function pdfText(bytes: Buffer): Promise<string> {
  assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-", "a PDF");
  const document = await getDocument({
    data: new Uint8Array(bytes),
    useSystemFonts: false,
    isEvalSupported: false,
    standardFontDataUrl,
  }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number += 1) {
    const page = await document.getPage(number);
    const content = await page.getTextContent();
    pages.push(content.items.map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : "")).join(""));
  }
  await document.destroy();
  return pages.join("\n");
}

/** A figure as the report writes it. */
export const count = (value: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }).format(value);
export const rate = (value: number) => `${(value * 100).toFixed(2)} %`;

/** A weekly report definition, scheduled at an hour of a weekday, in UTC. */
export const weeklyReport = (weekday: number, hour: number, recipients: string[]) => ({
  title: "Weekly client report",
  rangeKind: "last_7_days",
  recipients,
  scheduleKind: "weekly",
  scheduleWeekday: weekday,
  scheduleHour: hour,
  timeZone: "UTC",
});
