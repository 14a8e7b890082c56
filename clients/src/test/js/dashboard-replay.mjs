// The replay bar against a replay playing at speed 1, for DashboardTest:
//   node dashboard-replay.mjs CHROMIUM PROFILE_DIR URL OUT_DIR LAST_TICK
// Speed 5 (REST says so), seek forward on the scrubber, play a minute on, switch to the 1 min range and pause (the lag
// says "paused at tick N", the bar "paused at m:ss"): OUT_DIR/replay.png. Then a seek backward: the page starts again from there.
// Prints one JSON object of what it saw. Any console error fails it.
import { join } from 'node:path';
import { main, rest, until, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, out, lastTickArg] = process.argv.slice(2);
const base = new URL(url);
const id = Number(base.searchParams.get('sim'));
const lastTick = Number(lastTickArg);
const replay = async () => (await rest(base, `/simulations/${id}`)).body.replay;
const shownTick = (page) => page.evaluate(() => Number(document.getElementById('tick').textContent));

/** Set the scrubber to `tick` as a person dragging it would: input events, then change. */
async function scrub(page, tick) {
    await page.$eval('#scrubber', (el, value) => {
        el.value = String(value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
    }, tick);
}

main('dashboard-replay', () => withPage({ executable, profile, url, width: 1600, height: 1000 }, async (page) => {
    const seen = {};
    await waitFor(page, 'the replay bar, playing', () => !document.getElementById('replay-bar').hidden
        && document.getElementById('replay-position').textContent.startsWith('playing')
        && /^\d+$/.test(document.getElementById('tick').textContent));
    const first = await shownTick(page);
    await waitFor(page, 'ticks flowing', (t) => Number(document.getElementById('tick').textContent) > t + 5, first);

    await page.selectOption('#replay-speed', '5');
    await until('speed 5', async () => (await replay()).speed === 5);
    seen.speed = 5;
    await waitFor(page, 'the 5x badge', () => document.getElementById('run-state').textContent === 'REPLAY 5×');

    // Seek forward while playing, then pause there.
    const target = Math.floor(lastTick * 0.4);
    seen.seekTarget = target;
    await scrub(page, target);
    await waitFor(page, `ticks from ${target} shown`, (t) => Number(document.getElementById('tick').textContent) >= t,
        target + 1200); // a full minute shown since the seek, and ~10 s of play left before the end
    await page.click('.ranges [data-range="1m"]');
    await page.click('#replay-toggle');
    await until('paused', async () => (await replay()).paused);
    await waitFor(page, 'the paused state', () => document.getElementById('lag').textContent.startsWith('paused at')
        && document.getElementById('replay-position').textContent.startsWith('paused at')
        && document.getElementById('run-state').textContent === 'PAUSED'
        && Number(document.getElementById('charts').dataset.points) >= 10);
    const position = (await replay()).position;
    await waitFor(page, 'the last tick published shown', (p) => Number(document.getElementById('tick').textContent)
        === p, position);
    seen.pausedAt = position;
    seen.lag = await page.textContent('#lag');
    seen.position = await page.textContent('#replay-position');
    seen.scrubber = await page.$eval('#scrubber', (el) => Number(el.value));
    await page.screenshot({ path: join(out, 'replay.png') });

    // Back to an earlier tick: the server ends the old subscription; the page subscribes again from there.
    const back = Math.floor(lastTick * 0.2);
    await scrub(page, back);
    await page.click('#replay-toggle');
    await until('playing again', async () => !(await replay()).paused);
    await waitFor(page, `ticks from ${back} again`, (b) => {
        const t = Number(document.getElementById('tick').textContent);
        return t >= b && t < b + 1000;
    }, back);
    seen.restartedAt = await shownTick(page);
    await page.click('#replay-toggle');
    await until('paused again', async () => (await replay()).paused);
    seen.problems = page.problems;
    process.stdout.write(JSON.stringify(seen));
}));
