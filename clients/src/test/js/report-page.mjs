// An HTML report (tickwire report --html) in headless Chromium, for HtmlReportTest:
//   node report-page.mjs CHROMIUM PROFILE_DIR URL SCREENSHOT.png
// Waits until report.js has drawn every plot (body[data-rendered=true]), takes a 1280x1800 screenshot and prints
// the DOM on stdout. Exit 1 with one line on stderr when that does not happen.
import { HANG_GUARD_MS, main, withPage } from './chromium.mjs';

const [executable, profile, url, png] = process.argv.slice(2);

main('report', () => withPage({ executable, profile, url, width: 1280, height: 1800 }, async (page) => {
    try {
        await page.waitForSelector('body[data-rendered="true"]', { state: 'attached', timeout: HANG_GUARD_MS });
    } catch (err) {
        const plots = await page.evaluate(() => document.querySelectorAll('svg.plot').length);
        throw new Error(`the report was not rendered within ${HANG_GUARD_MS / 1000} s; ${plots} plots drawn `
            + `(${err.message.split('\n')[0]})`);
    }
    await page.screenshot({ path: png });
    process.stdout.write(await page.content());
}));
