// Headless Debian Chromium driven by playwright-core, for the browser tests (Dashboard*Test, HtmlReportTest). Each
// page script waits for a condition on the DOM, never for a fixed time: the timeout below only ends a run that
// hangs, so a loaded machine makes a test slower, not red.
import { chromium } from 'playwright-core';

/** Guard against hangs (launch, navigation, conditions); minutes, as no healthy run comes near it. */
export const HANG_GUARD_MS = 5 * 60_000;

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'];

/**
 * Open `url` in a fresh Chromium (`executable`, its profile in the new directory `profile`) with a `width` x
 * `height` viewport, run `body(page)` and close the browser, whatever happens. Console errors and uncaught page
 * errors are collected in `page.problems`; with `strict` (the default) any of them fails the run at the end, but
 * for those `allow` (regular expressions) names.
 */
export async function withPage({ executable, profile, url, width, height, strict = true, allow = [] }, body) {
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: executable, headless: true, args: ARGS, viewport: { width, height }, timeout: HANG_GUARD_MS,
    });
    try {
        const page = context.pages()[0] ?? await context.newPage();
        page.problems = [];
        page.on('console', (m) => {
            if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) {
                page.problems.push(`console error: ${m.text()}`);
            }
        });
        page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
        page.setDefaultTimeout(HANG_GUARD_MS);
        await page.goto(url);
        const result = await body(page);
        if (strict && page.problems.length > 0) throw new Error(page.problems.join('; '));
        return result;
    } finally {
        await context.close();
    }
}

/**
 * Wait until `condition(arg)` holds in the page (checked every animation frame); on a hang, fail naming `what` and
 * what the page showed (`shown()` in the page).
 */
export async function waitFor(page, what, condition, arg, shown = defaultShown) {
    try {
        await page.waitForFunction(condition, arg, { timeout: HANG_GUARD_MS, polling: 'raf' });
    } catch (err) {
        let seen = '';
        try {
            seen = JSON.stringify(await page.evaluate(shown));
        } catch {
            seen = '(the page cannot be read)';
        }
        throw new Error(`${what} within ${HANG_GUARD_MS / 1000} s; the page shows ${seen} `
            + `(${err.message.split('\n')[0]})`);
    }
}

/** Until `probe()` (in Node: e.g. a REST call) returns a truthy value; polled, with the same hang guard. */
export async function until(what, probe) {
    const deadline = Date.now() + HANG_GUARD_MS;
    let last;
    while (Date.now() < deadline) {
        last = await probe();
        if (last) return last;
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${what} within ${HANG_GUARD_MS / 1000} s`);
}

/** The page's headline figures, for failure messages. */
function defaultShown() {
    const text = (id) => document.getElementById(id)?.textContent ?? null;
    return {
        url: location.search, tick: text('tick'), state: text('run-state'), connection: text('conn-text'),
        message: text('message'), nodes: document.querySelectorAll('.node').length,
        health: [...document.querySelectorAll('.node')].map((n) => `${n.dataset.name}:${n.dataset.health}`),
    };
}

/** JSON from the server's REST API (Node's fetch). */
export async function rest(base, path, method = 'GET', body = undefined) {
    const response = await fetch(new URL(path, base), { method, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Run `body`; on failure print one line, `<name>: <reason>`, on stderr and exit 1. */
export function main(name, body) {
    body().then(() => process.exit(0), (err) => {
        const reason = String(err && err.message ? err.message : err).split('\n').find((l) => l.trim()) ?? 'failed';
        console.error(`${name}: ${reason.trim()}`);
        process.exit(1);
    });
}
