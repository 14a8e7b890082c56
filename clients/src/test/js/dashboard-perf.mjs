// The dashboard under load, for DashboardPerformanceTest (and its soak: see bench/README.md):
//   node dashboard-perf.mjs CHROMIUM PROFILE_DIR URL OUT_DIR SERVICES SECONDS
// Waits until the page shows SERVICES services and ticks flow, then measures for SECONDS: every animation frame's
// interval (requestAnimationFrame deltas: a frame whose work overran 16.7 ms shows as a longer one), long tasks
// (PerformanceObserver 'longtask', > 50 ms), the page's own cost per render and per tick (window.tickwire.costs),
// ticks received, and the JS heap after a forced GC (CDP) at the start, every SECONDS/10 and at the end.
// Writes OUT_DIR/performance.json and prints it. Reports; asserts nothing about time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, waitFor, withPage } from './chromium.mjs';

const [executable, profile, url, out, servicesArg, secondsArg] = process.argv.slice(2);
const services = Number(servicesArg);
const seconds = Number(secondsArg);

const quantiles = (values) => {
    const v = [...values].sort((a, b) => a - b);
    const q = (p) => (v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : null);
    const round = (x) => (x === null ? null : Math.round(x * 100) / 100);
    return { count: v.length, p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(v[v.length - 1] ?? null) };
};

main('dashboard-perf', () => withPage({ executable, profile, url, width: 1600, height: 1000 }, async (page) => {
    await waitFor(page, `${services} services with figures`, (n) => document.querySelectorAll('.node').length >= n
        && [...document.querySelectorAll('.node-service')].every((e) => e.dataset.health !== 'idle'), services);
    await waitFor(page, 'charts drawn', () => Number(document.getElementById('charts').dataset.points) >= 3);
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };

    const heapSamples = [{ s: 0, bytes: await heap() }];
    const started = await page.evaluate(() => {
        const c = window.tickwire.costs;
        window.perfRun = { deltas: [], longTasks: [], last: performance.now(), stop: false };
        const run = window.perfRun;
        new PerformanceObserver((list) => list.getEntries().forEach((e) => run.longTasks.push(e.duration)))
            .observe({ type: 'longtask', buffered: false });
        const frame = (now) => {
            run.deltas.push(now - run.last);
            run.last = now;
            if (!run.stop) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        return { renders: c.renders, ticks: c.ticks, received: window.tickwire.model.ticksReceived, at: performance.now() };
    });
    const step = Math.max(1, seconds / 10);
    for (let s = step; s <= seconds + 1e-9; s += step) {
        await page.waitForFunction((until) => performance.now() >= until, started.at + s * 1000,
            { polling: 1000, timeout: (step + 600) * 1000 });
        heapSamples.push({ s: Math.round(s), bytes: await heap() });
    }
    const run = await page.evaluate((from) => {
        window.perfRun.stop = true;
        const c = window.tickwire.costs;
        const ring = (arr, start, end) => {
            const values = [];
            for (let i = Math.max(start, end - arr.length); i < end; i++) values.push(arr[i % arr.length]);
            return values;
        };
        return {
            deltas: window.perfRun.deltas.slice(1),
            longTasks: window.perfRun.longTasks,
            renderMs: ring(c.renderMs, from.renders, c.renders),
            tickMs: ring(c.tickMs, from.ticks, c.ticks),
            received: window.tickwire.model.ticksReceived - from.received,
            elapsedMs: performance.now() - from.at,
            nodes: document.querySelectorAll('.node').length,
            conflated: window.tickwire.model.conflated,
        };
    }, started);
    const frames = quantiles(run.deltas);
    const report = {
        what: `the dashboard with ${services} services, ${seconds} s measured`,
        nodes: run.nodes,
        ticksPerSecond: Math.round(run.received / (run.elapsedMs / 1000) * 10) / 10,
        ticksConflatedByServer: run.conflated,
        frameIntervalMs: frames,
        // A frame interval over 1.5 x 16.7 ms: a vsync missed, the frame's work (or another task) overran 16 ms.
        droppedFrames: run.deltas.filter((d) => d > 25).length,
        droppedFramesShare: Math.round(run.deltas.filter((d) => d > 25).length / Math.max(1, frames.count) * 1e4) / 1e4,
        renderMs: quantiles(run.renderMs),
        tickHandlingMs: quantiles(run.tickMs),
        longTasks: { count: run.longTasks.length, totalMs: Math.round(run.longTasks.reduce((a, b) => a + b, 0)),
            maxMs: Math.round(Math.max(0, ...run.longTasks)) },
        heapAfterGcMB: heapSamples.map((h) => ({ s: h.s, mb: Math.round(h.bytes / 1048576 * 10) / 10 })),
        heapGrowthMB: Math.round((heapSamples[heapSamples.length - 1].bytes - heapSamples[0].bytes) / 1048576 * 10) / 10,
    };
    writeFileSync(join(out, 'performance.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(JSON.stringify(report));
}));
