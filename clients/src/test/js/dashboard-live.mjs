// The dashboard on a live run, for DashboardTest:
//   node dashboard-live.mjs CHROMIUM PROFILE_DIR URL OUT_DIR SERVICES
// SERVICES: the names the diagram must show (comma-separated). Waits until every service has a node with a health
// and the charts have points; focuses a node by click and another by keyboard; hovers a chart; switches the range;
// then narrows the page to 420 px. Screenshots OUT_DIR/live.png (1600 x 1000) and OUT_DIR/narrow.png (420 wide, the
// whole page). Prints one JSON object of what it saw. Any console error fails it.
import { join } from 'node:path';
import { main, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, out, servicesArg] = process.argv.slice(2);
const services = servicesArg.split(',');

main('dashboard-live', () => withPage({ executable, profile, url, width: 1600, height: 1000 }, async (page) => {
    await waitFor(page, `a node with a health for each of ${services}`, (names) => names.every((n) => {
        const node = document.querySelector(`.node[data-name="${n}"]`);
        return node && ['ok', 'warn', 'critical'].includes(node.dataset.health);
    }), services);
    await waitFor(page, 'charts with points', () => Number(document.getElementById('charts').dataset.points) >= 3
        && document.querySelectorAll('.chart canvas').length >= 6);

    // Focus by click, then by keyboard: the charts follow, and the URL keeps it.
    await page.click('.node[data-name="payments"]');
    await waitFor(page, 'payments focused', () => document.getElementById('charts-title').textContent === 'payments'
        && location.search.includes('focus=payments'));
    await page.focus('.node[data-name="auth"]');
    await page.keyboard.press('Enter');
    await waitFor(page, 'auth focused by keyboard', () => document.getElementById('focus-title').textContent === 'auth'
        && Number(document.getElementById('charts').dataset.points) >= 3);

    // Hover: the tooltip lists the values at that time.
    const plot = await page.$('.chart[data-chart=latency] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = await plot.boundingBox();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await waitFor(page, 'a tooltip', () => {
        const tip = document.querySelector('.chart[data-chart=latency] .chart-tip');
        return tip && !tip.hidden && tip.textContent.includes('p99');
    });
    const tooltip = await page.textContent('.chart[data-chart=latency] .chart-tip');
    await page.mouse.move(5, 5);

    // Range: 1 min, by keyboard (arrow keys move within the radio group).
    await page.focus('.ranges button[aria-checked=true]');
    await page.keyboard.press('ArrowLeft');
    await waitFor(page, 'the 1 min range', () => document.querySelector('.ranges [data-range="1m"]')
        .getAttribute('aria-checked') === 'true' && location.search.includes('range=1m'));

    await page.click('.node[data-name="gateway"]');
    await waitFor(page, 'gateway charts', () => document.getElementById('charts-title').textContent === 'gateway'
        && Number(document.getElementById('charts').dataset.points) >= 3);
    await page.screenshot({ path: join(out, 'live.png') });

    const seen = await page.evaluate(() => ({
        nodes: [...document.querySelectorAll('.node')].map((n) => ({ name: n.dataset.name, health: n.dataset.health })),
        edges: document.querySelectorAll('.edge').length,
        edgeLabels: [...document.querySelectorAll('.edge-label')].map((l) => l.textContent),
        title: document.title,
        url: location.search,
        tick: Number(document.getElementById('tick').textContent),
        lag: document.getElementById('lag').textContent,
        connection: document.getElementById('conn-text').textContent,
        stats: [...document.querySelectorAll('#focus-stats div')].map((d) => d.textContent),
    }));

    // 420 px: one column, no sideways scrolling, the diagram top to bottom.
    await page.setViewportSize({ width: 420, height: 900 });
    await waitFor(page, 'the narrow layout', () => document.documentElement.scrollWidth <= 420
        && document.querySelectorAll('.chart canvas').length >= 6
        && document.querySelector('.chart .plot').clientWidth < 420);
    await page.screenshot({ path: join(out, 'narrow.png'), fullPage: true });
    seen.narrowScrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    seen.tooltip = tooltip;
    seen.problems = page.problems;
    process.stdout.write(JSON.stringify(seen));
}));
