import { mkdir } from "node:fs/promises";
import { chromium, type Browser } from "playwright-core";
import { projectPath } from "../../src/paths.js";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Debian's Chromium, headless, with the background services that would call out switched off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

export async function screenshotPath(name: string): Promise<string> {
  const directory = projectPath("test-results", "screenshots");
  await mkdir(directory, { recursive: true });
  return `${directory}/${name}.png`;
}
