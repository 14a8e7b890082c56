// The run's audit trail on the dashboard, for DashboardTest:
//   node dashboard-events.mjs CHROMIUM PROFILE_DIR URL OUT_DIR TEXTS
// TEXTS: '|'-separated texts that must each appear in an entry of the Events panel (the feed's events of an operated
// run: faults, replicas, scale decisions). Waits until they all do, then reads the focused service's replicas.
// Prints one JSON object of what it saw. Any console error fails it.
import { main, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, , textsArg] = process.argv.slice(2);
const texts = textsArg.split('|');

main('dashboard-events', () => withPage({ executable, profile, url, width: 1600, height: 1000 }, async (page) => {
    await waitFor(page, `events listing ${texts.join(', ')}`, (wanted) => {
        const entries = [...document.querySelectorAll('#events li')].map((li) => li.textContent);
        return wanted.every((t) => entries.some((e) => e.includes(t)));
    }, texts);
    await page.click('.node[data-name="orders"]');
    await waitFor(page, 'orders focused', () => document.getElementById('focus-title').textContent === 'orders');
    const seen = await page.evaluate(() => ({
        events: [...document.querySelectorAll('#events li')].map((li) => ({ kind: li.dataset.kind,
            text: li.textContent })),
        focusDetail: document.getElementById('focus-detail').textContent,
        markers: window.tickwire.events.inRange(0, Number.MAX_VALUE).length,
    }));
    process.stdout.write(JSON.stringify(seen));
}));
