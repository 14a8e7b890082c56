// Live edits and fault toggles from the dashboard's Controls panel, for DashboardTest:
//   node dashboard-operations.mjs CHROMIUM PROFILE_DIR URL OUT_DIR
// On a running examples/checkout.yaml: a refused merge patch lists its field path; an accepted one says the tick it
// takes effect at; a fault added now appears under "Faults in effect" (from the feed's FaultEvent), and its End
// button ends it (the list empties when the ended event arrives). Prints one JSON object of what it saw.
import { join } from 'node:path';
import { main, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, out] = process.argv.slice(2);
const load = (rate) => JSON.stringify({ load: [{ name: 'shoppers', target: 'gateway', rate, arrivals: 'poisson' }] });
const result = () => document.getElementById('edit-result').textContent;

main('dashboard-operations', () => withPage({ executable, profile, url, width: 1600, height: 1000,
    allow: [/400/] }, async (page) => {
    await waitFor(page, 'the run live, its controls enabled', () => Number(document.getElementById('tick').textContent) >= 2
        && !document.getElementById('edit-apply').disabled);

    await page.click('#operations-details summary'); // collapsed by default
    await page.fill('#edit-patch', load('0/s'));
    await page.click('#edit-apply');
    await waitFor(page, 'the refusal', () => document.getElementById('edit-result').dataset.ok === 'false');
    const refused = await page.evaluate(result);

    await page.fill('#edit-patch', load('300/s'));
    await page.click('#edit-apply');
    await waitFor(page, 'the edit taken', () => document.getElementById('edit-result').dataset.ok === 'true');
    const applied = await page.evaluate(result);

    await page.fill('#fault-body', JSON.stringify({ kind: 'latency', service: 'payments', factor: 5, for: '600s' }));
    await page.click('#fault-add');
    await waitFor(page, 'the fault in effect', () => [...document.querySelectorAll('#faults-active li[data-fault]')]
        .some((li) => li.textContent.includes('payments')));
    const inEffect = await page.evaluate(() => document.getElementById('faults-active').textContent);
    await page.screenshot({ path: join(out, 'operations.png') });

    await page.click('#faults-active li[data-fault] button');
    await waitFor(page, 'the fault ended', () => document.querySelectorAll('#faults-active li[data-fault]').length === 0);
    const events = await page.evaluate(() => [...document.querySelectorAll('#events li')].map((li) => li.textContent));
    process.stdout.write(JSON.stringify({ refused, applied, inEffect, events }));
}));
