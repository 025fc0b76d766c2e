import { chromium, type Browser, type Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work
 * here; .ci/run installs the `chromium` package). SLUICE_CHROMIUM names another binary.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
}

/** A new page that records every console error, uncaught exception and failed request of its documents. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000); // fails inside a test's own time limit, naming the step
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`exception: ${e.message}`));
  return { page, errors };
}
