// The dashboard on a server with a bearer token, for DashboardTest:
//   node dashboard-token.mjs CHROMIUM PROFILE_DIR URL OUT_DIR TOKEN
// Without the token the page says how to give it (the server answers 401 and refuses the feed's upgrade); opened as
// URL#token=TOKEN it sends the token on REST and the feed, shows ticks, and takes the token out of the address bar.
import { main, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, , token] = process.argv.slice(2);
// The browser logs the refused requests and upgrade of the first visit as console errors: expected here.
const allow = [/401/, /Unauthorized/, /WebSocket/];

main('dashboard-token', () => withPage({ executable, profile, url, width: 1200, height: 800, allow }, async (page) => {
    await waitFor(page, 'the token message', () => !document.getElementById('message').hidden
        && document.getElementById('message').textContent.includes('#token='));
    const without = await page.textContent('#message');

    // Another path (a search), so the browser loads the page again rather than moving within it.
    await page.goto(`${url}?range=1m#token=${encodeURIComponent(token)}`);
    await waitFor(page, 'ticks over the feed', () => Number(document.getElementById('tick').textContent) >= 2
        && document.getElementById('conn-text').textContent === 'open');
    const seen = await page.evaluate((w) => ({
        without: w,
        tick: Number(document.getElementById('tick').textContent),
        connection: document.getElementById('conn-text').textContent,
        hash: location.hash,
        search: location.search,
        message: document.getElementById('message').hidden ? '' : document.getElementById('message').textContent,
    }), without);
    console.log(JSON.stringify(seen));
}));
