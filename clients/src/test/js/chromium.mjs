// Headless Debian Chromium driven by playwright-core, for the browser tests (DashboardTest, HtmlReportTest). Each
// page script waits for a condition on the DOM, never for a fixed time: the timeout below only ends a run that
// hangs, so a loaded machine makes a test slower, not red.
import { chromium } from 'playwright-core';

/** Guard against hangs (launch, navigation, conditions); minutes, as no healthy run comes near it. */
export const HANG_GUARD_MS = 5 * 60_000;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];

/**
 * Open `url` in a fresh Chromium (`executable`, its profile in the new directory `profile`) with a `width` x
 * `height` viewport, run `body(page)` and close the browser, whatever happens.
 */
export async function withPage({ executable, profile, url, width, height }, body) {
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: executable, headless: true, args: ARGS, viewport: { width, height }, timeout: HANG_GUARD_MS,
    });
    try {
        const page = context.pages()[0] ?? await context.newPage();
        page.setDefaultTimeout(HANG_GUARD_MS);
        await page.goto(url);
        return await body(page);
    } finally {
        await context.close();
    }
}

/** Run `body`; on failure print one line, `<name>: <reason>`, on stderr and exit 1. */
export function main(name, body) {
    body().then(() => process.exit(0), (err) => {
        const reason = String(err && err.message ? err.message : err).split('\n').find((l) => l.trim()) ?? 'failed';
        console.error(`${name}: ${reason.trim()}`);
        process.exit(1);
    });
}
