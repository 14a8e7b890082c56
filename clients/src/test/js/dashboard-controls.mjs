// The dashboard's filter, picker and run controls against a server running checkout as simulation 1, for
// DashboardTest:   node dashboard-controls.mjs CHROMIUM PROFILE_DIR URL OUT_DIR OVERLOAD_YAML
// 1. ?services=gateway,payments subscribes with the feed's filter (GET /connections says so); the others dim.
// 2. "New run…" with an invalid diagram lists the server's problems with their field paths; with OVERLOAD_YAML it
//    starts simulation 2 and the page follows it; its overloaded service turns critical (OUT_DIR/overload.png).
// 3. The picker goes back to simulation 1 (URL, title, subscription); Stop ends it (GET /simulations/1).
// Prints one JSON object of what it saw. Any console error fails it.
import { join } from 'node:path';
import { main, rest, until, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, out, overload] = process.argv.slice(2);
const base = new URL(url);
const INVALID = 'name: bad\nservices:\n  - name: api\n    latency: {distribution: exponential, mean: -5ms}\n'
    + 'load:\n  - {target: api, rate: 10/s}\n';

/** The services filter of the page's subscription to `id`, from the server; undefined while there is none. */
async function subscription(id) {
    const connections = (await rest(base, '/connections')).body;
    for (const c of connections) {
        for (const s of c.subscriptions) if (s.simulationId === id) return s.services;
    }
    return undefined;
}

// Chromium itself logs the refused POST of the invalid diagram ("Failed to load resource: ... 400"): the one console
// error allowed here.
const REFUSED_POST = /^Failed to load resource: the server responded with a status of 400/;

main('dashboard-controls', () => withPage({ executable, profile, url: `${url}?sim=1&services=gateway,payments`,
    width: 1600, height: 1000, allow: [REFUSED_POST] }, async (page) => {
    const seen = {};

    // 1. The filter.
    await waitFor(page, 'gateway and payments live, the others filtered out', () => {
        const health = (n) => document.querySelector(`.node[data-name="${n}"]`)?.dataset.health;
        return ['ok', 'warn', 'critical'].includes(health('gateway'))
            && ['ok', 'warn', 'critical'].includes(health('payments'))
            && health('auth') === 'filtered' && health('orders.db') === 'filtered';
    });
    seen.filteredSubscription = await until('the filtered subscription',
        async () => (await subscription(1)) === 'gateway,payments' && 'gateway,payments');
    seen.filteredRows = await page.$$eval('#rows tr[data-filtered=true]', (rows) => rows.length);
    await page.click('#filter-clear');
    await until('the unfiltered subscription', async () => (await subscription(1)) === '');
    await waitFor(page, 'every service live again', () => !location.search.includes('services=')
        && ['ok', 'warn', 'critical'].includes(document.querySelector('.node[data-name="auth"]')?.dataset.health));

    // 2. Start: refused with field paths, then started; the page follows the new run.
    await page.click('#new-run');
    await page.fill('#run-diagram', INVALID);
    await page.click('#run-submit');
    await waitFor(page, 'the validation errors', () => document.querySelectorAll('#run-errors li').length >= 2);
    seen.validation = await page.textContent('#run-errors');
    await page.fill('#run-diagram', overload);
    await page.selectOption('#run-speed', '1');
    await page.click('#run-submit');
    await waitFor(page, 'the new run shown', () => document.title === 'overload · Tickwire'
        && location.search.includes('sim=2') && !document.getElementById('run-dialog').open);
    seen.started = 2;
    await waitFor(page, 'the overloaded service critical',
        () => document.querySelector('.node[data-name="hot"]')?.dataset.health === 'critical');
    seen.hot = 'critical';
    seen.hotLabel = await page.getAttribute('.node[data-name="hot"]', 'aria-label');
    await page.click('.node[data-name="hot"]');
    await waitFor(page, 'hot charts', () => document.getElementById('charts-title').textContent === 'hot'
        && Number(document.getElementById('charts').dataset.points) >= 2);
    await page.screenshot({ path: join(out, 'overload.png') });

    // 3. The picker back to simulation 1, then Stop.
    await page.selectOption('#sim-picker', '1');
    await waitFor(page, 'simulation 1 shown', () => document.title === 'checkout · Tickwire'
        && location.search.includes('sim=1') && document.getElementById('sim-picker').value === '1');
    await until('the subscription to simulation 1', async () => (await subscription(1)) !== undefined);
    seen.subscribedTo = 1;
    await page.click('#stop-run');
    await until('simulation 1 ended', async () => (await rest(base, '/simulations/1')).body.state === 'ENDED');
    await waitFor(page, 'the ended state', () => document.getElementById('run-state').textContent.startsWith('ENDED')
        && document.getElementById('stop-run').disabled);
    seen.badge = await page.textContent('#run-state');
    seen.problems = page.problems;
    process.stdout.write(JSON.stringify(seen));
}));
