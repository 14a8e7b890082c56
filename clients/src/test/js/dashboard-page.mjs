// The live dashboard in headless Chromium, for DashboardTest:
//   node dashboard-page.mjs CHROMIUM PROFILE_DIR URL SCREENSHOT.png ROWS TICKS
// Waits until the page shows ROWS service rows and has rendered TICKS more ticks after its first, takes a
// 1280x900 screenshot and prints the DOM on stdout. Exit 1 with one line on stderr when that does not happen.
import { HANG_GUARD_MS, main, withPage } from './chromium.mjs';

const [executable, profile, url, png, rowsArg, ticksArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const ticks = Number(ticksArg);

const shown = () => ({
    tick: document.getElementById('seq').textContent,
    rows: document.querySelectorAll('#rows tr').length,
    title: document.title,
    connection: document.getElementById('connText').textContent,
    message: document.getElementById('message').textContent,
});

main('dashboard', () => withPage({ executable, profile, url, width: 1280, height: 900 }, async (page) => {
    const wait = async (what, condition, arg) => {
        try {
            await page.waitForFunction(condition, arg, { timeout: HANG_GUARD_MS, polling: 'raf' });
        } catch (err) {
            throw new Error(`${what} within ${HANG_GUARD_MS / 1000} s; the page shows `
                + JSON.stringify(await page.evaluate(shown)) + ` (${err.message.split('\n')[0]})`);
        }
    };
    await wait(`no tick and ${rows} service rows`, (want) => /^\d+$/.test(document.getElementById('seq').textContent)
        && document.querySelectorAll('#rows tr').length >= want, rows);
    const first = Number(await page.textContent('#seq'));
    await wait(`not ${ticks} ticks rendered after tick ${first}`,
        (until) => Number(document.getElementById('seq').textContent) >= until, first + ticks);
    await page.screenshot({ path: png });
    process.stdout.write(await page.content());
}));
