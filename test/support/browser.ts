import { mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";
import { projectPath } from "../../src/paths.js";
import { testPassword } from "./factories.js";

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

/** Why a browser test cannot run here, or false when it can. */
export function browserTestSkip(webRoot: string): string | false {
  if (!existsSync(chromiumPath))
    return `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (!existsSync(webRoot)) return "the dashboard is not built (npm run build)";
  return false;
}

/** A browser page signed in as this person, as they would be after the sign-in form. */
export async function signedInPage(
  browser: Browser,
  appUrl: URL,
  email: string,
  options: Pick<BrowserContextOptions, "timezoneId" | "locale" | "viewport"> = {},
): Promise<Page> {
  const context = await browser.newContext({
    baseURL: appUrl.toString(),
    viewport: { width: 1400, height: 1000 },
    ...options,
  });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(testPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation").waitFor();
  return page;
}
