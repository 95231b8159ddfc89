import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium, installed by scripts/chromium-dev.sh; Playwright's own browser builds are never used. */
export const CHROMIUM = process.env.SIROCCO_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser suite saves a screenshot of each page it visits (git-ignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-output/ui');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless chromium with a fresh profile; fails (never skips) when chromium is missing. */
export class TestBrowser {
  private constructor(
    private readonly browser: BrowserContext,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<TestBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: run \`bash scripts/chromium-dev.sh\` (as root)`);
    const profile = mkdtempSync(path.join(tmpdir(), 'sirocco-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1440, height: 900 },
      // not the zone of the triggers the tests make, so pages show both
      timezoneId: 'America/New_York',
      locale: 'en-GB',
    });
    return new TestBrowser(context, profile);
  }

  /** A new tab; page errors and failed API calls are collected for the failure messages. */
  async page(): Promise<Page> {
    const page = await this.browser.newPage();
    page.setDefaultTimeout(20000);
    return page;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Saves a full-page screenshot as test-output/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export type { Browser, Page };
