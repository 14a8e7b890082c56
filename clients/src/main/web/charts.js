// The focused node's charts, uPlot: latency percentiles (merged per window), throughput, errors and rejections,
// utilisation, queue, cost. The x axis is simulated time. All charts share one cursor (hover shows every value at
// that time, in the legend and a tooltip) and one zoom: drag across a chart to zoom, double-click to follow live
// again. Windows without completions have no percentile: the line breaks there (null), it never drops to 0.
// Events (events.js) are drawn as vertical markers.
import uPlot from 'uplot';
import { clock, duration, num, percent, perHour, queue } from './format.js';
import { SparseHistogram } from './hdr.js';
import { F, WIDTH, levelFor } from './series.js';
import { figures } from './model.js';

const AXIS = { stroke: '#8e96a3', grid: { stroke: 'rgba(140,150,165,0.13)', width: 1 },
    ticks: { stroke: 'rgba(140,150,165,0.25)', width: 1, size: 4 }, font: '11px system-ui, sans-serif' };

const gapless = (v) => (v === null || Number.isNaN(v) ? null : v);

/** The charts of a service; an entry point (end to end) has the first three. */
const PANELS = [
    { id: 'latency', title: 'Latency', unit: 'ms', entry: true, fmt: (v) => duration(v * 1e6), series: [
        ['p50', '#73bf69', (f) => f.p50Ns / 1e6], ['p90', '#fade2a', (f) => f.p90Ns / 1e6],
        ['p99', '#ff9830', (f) => f.p99Ns / 1e6], ['p99.9', '#f2495c', (f) => f.p999Ns / 1e6]] },
    { id: 'throughput', title: 'Throughput', unit: 'req/s', entry: true, fmt: (v) => `${num(v)}/s`, series: [
        ['completed', '#5794f2', (f) => f.rps, true], ['arrivals', '#b877d9', (f) => f.arrivalsPerSec]] },
    { id: 'errors', title: 'Errors and rejections', unit: '/s', entry: true, fmt: (v) => `${num(v)}/s`, series: [
        ['errors', '#f2495c', (f) => f.errorsPerSec], ['rejected', '#ff9830', (f) => f.rejectedPerSec],
        ['timeouts', '#fade2a', (f) => f.timeoutsPerSec]] },
    { id: 'utilisation', title: 'Utilisation', unit: '%', fmt: (v) => percent(v / 100), min: 0, max: 100, series: [
        ['busy', '#5794f2', (f) => (f.utilisation === null ? null : f.utilisation * 100), true]] },
    { id: 'queue', title: 'Queue', unit: 'requests', fmt: (v) => queue(v), series: [
        ['mean length', '#8ab8ff', (f) => f.queueMean, true], ['at window end', '#b877d9', (f) => f.queueDepth]] },
    { id: 'cost', title: 'Cost', unit: 'per hour', fmt: (v) => perHour(v), series: [
        ['cost', '#73bf69', (f) => f.costPerHour, true]] },
];

export const RANGES = Object.freeze({ '1m': 60, '5m': 300, '15m': 900, run: Infinity });

/** A tooltip that follows the cursor and lists the values at its time. */
function tooltipPlugin(fmt) {
    let tip;
    return {
        hooks: {
            init: (u) => {
                tip = document.createElement('div');
                tip.className = 'chart-tip';
                tip.hidden = true;
                u.over.appendChild(tip);
                u.over.addEventListener('mouseleave', () => {
                    tip.hidden = true;
                    u.setLegend({ idx: u.data[0].length - 1 });
                });
            },
            setCursor: (u) => {
                const i = u.cursor.idx;
                if (i === null || i === undefined || u.cursor.left < 0) {
                    tip.hidden = true;
                    return;
                }
                const rows = [`<b>${clock(u.data[0][i])}</b>`];
                for (let s = 1; s < u.series.length; s++) {
                    if (!u.series[s].show) continue;
                    const v = u.data[s][i];
                    rows.push(`<span style="color:${u.series[s].stroke()}">●</span> ${u.series[s].label} `
                        + `<b>${v === null || v === undefined ? 'no value' : fmt(v)}</b>`);
                }
                tip.innerHTML = rows.join('<br>');
                tip.hidden = false;
                const left = u.cursor.left + 14;
                const flip = left + tip.offsetWidth > u.over.clientWidth; // no room on the right: go left
                tip.style.left = `${flip ? u.cursor.left - tip.offsetWidth - 10 : left}px`;
                tip.style.top = `${Math.max(0, u.cursor.top - tip.offsetHeight / 2)}px`;
            },
        },
    };
}

export class Charts {
    /**
     * @param container where the chart panels go
     * @param events an Events (for markers), read at draw time
     */
    constructor(container, events) {
        this.container = container;
        this.events = events;
        this.plots = new Map(); // id -> {plot, panel, box}
        this.range = '5m';
        this.zoom = null;     // {min, max} while the user has zoomed
        this.key = null;      // the node shown
        this.entry = false;
        this.drawn = -1;      // change counter of the level drawn
        this.frames = 0;      // charts redrawn: for tests
        this.sync = uPlot.sync('tickwire');
        this.partial = new Float64Array(WIDTH);
        this.partialHist = new SparseHistogram(256);
        new ResizeObserver(() => this.resize()).observe(container);
    }

    build(entry) {
        this.container.replaceChildren();
        this.plots.clear();
        this.entry = entry;
        for (const panel of PANELS) {
            if (entry && !panel.entry) continue;
            const box = document.createElement('section');
            box.className = 'panel chart';
            box.dataset.chart = panel.id;
            box.innerHTML = `<h3>${panel.title} <span class="unit">${panel.unit}</span></h3>`;
            const holder = document.createElement('div');
            holder.className = 'plot';
            box.appendChild(holder);
            this.container.appendChild(box);
            const plot = new uPlot(this.options(panel, holder.clientWidth || 400),
                [[], ...panel.series.map(() => [])], holder);
            plot.over.addEventListener('dblclick', () => this.setZoom(null));
            this.plots.set(panel.id, { plot, panel, holder });
        }
    }

    options(panel, width) {
        const charts = this;
        return {
            width,
            height: 190,
            legend: { live: true },
            cursor: {
                sync: { key: this.sync.key, setSeries: false },
                drag: { x: true, y: false, setScale: false },
                points: { size: 6 },
            },
            scales: {
                x: { time: false, range: () => this.xRange() },
                y: panel.max ? { range: [panel.min, panel.max] }
                    : { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] },
            },
            axes: [
                { ...AXIS, values: (u, splits) => splits.map((s) => clock(s)), space: 70 },
                { ...AXIS, size: 64, values: (u, splits) => splits.map((s) => panel.fmt(s)) },
            ],
            series: [
                { label: 'time', value: (u, v) => (v === null ? '–' : clock(v)) },
                ...panel.series.map(([label, stroke, , fill]) => ({
                    label, stroke, width: 1.5, spanGaps: false, points: { show: false },
                    fill: fill ? `${stroke}22` : undefined,
                    value: (u, v) => (v === null || v === undefined ? '–' : panel.fmt(v)),
                })),
            ],
            hooks: {
                setSelect: [(u) => {
                    if (u.select.width < 4) return;
                    const min = u.posToVal(u.select.left, 'x');
                    const max = u.posToVal(u.select.left + u.select.width, 'x');
                    u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
                    charts.setZoom({ min, max });
                }],
                draw: [(u) => charts.drawEvents(u)],
                // Not hovering: the legend shows the latest window, as Grafana's "last".
                setData: [(u) => { if (u.cursor.idx == null) u.setLegend({ idx: u.data[0].length - 1 }); }],
            },
            plugins: [tooltipPlugin(panel.fmt)],
        };
    }

    xRange() {
        if (this.zoom) return [this.zoom.min, this.zoom.max];
        return this.window ?? [0, 1];
    }

    setZoom(zoom) {
        this.zoom = zoom;
        const [min, max] = this.xRange();
        for (const { plot } of this.plots.values()) plot.setScale('x', { min, max });
        this.container.dataset.zoomed = zoom ? 'true' : 'false';
    }

    setRange(range) {
        this.range = range;
        this.zoom = null;
        this.drawn = -1;
    }

    show(key, entry) {
        if (key !== this.key || entry !== this.entry || this.plots.size === 0) {
            this.key = key;
            this.build(entry);
            this.drawn = -1;
        }
    }

    resize() {
        for (const { plot, holder } of this.plots.values()) {
            const w = holder.clientWidth;
            if (w > 0 && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: 190 });
        }
    }

    /** Redraws if the level shown has closed a bucket since the last draw (or `force`). */
    render(model, force = false) {
        const node = model.nodes.get(this.key);
        if (!node || model.tickLengthNs === 0) return;
        const tickS = model.tickLengthNs / 1e9;
        const span = RANGES[this.range];
        const nowS = (model.simTimeNs ?? 0) / 1e9;
        const ranRun = model.firstTick === null ? 0 : nowS - model.firstTick * tickS;
        const k = levelFor(Number.isFinite(span) ? span : Math.max(ranRun, 60), tickS, node.series.keepFrom);
        const level = node.series.levels[k];
        const changed = `${k}:${level ? level.closed : 0}:${node.series.lastTick}`;
        if (!force && changed === this.drawn) return;
        this.drawn = changed;
        const widthS = 2 ** k * tickS;
        const from = Number.isFinite(span) ? Math.max(0, nowS - span) : (model.firstTick ?? 0) * tickS;
        this.window = [from, Math.max(nowS, from + widthS)];
        const columns = [...this.plots.values()].map(({ panel }) => panel.series.map(() => []));
        const xs = [];
        if (level && level.count > 0) {
            let previous = null;
            for (let i = 0; i < level.count; i++) {
                const b = level.bucketAt(i);
                const x = b * widthS;
                if (x + widthS < from) continue;
                if (previous !== null && b - previous > 1) {
                    xs.push((previous + 2) * widthS); // missing windows (conflated or skipped): a break
                    columns.forEach((cols) => cols.forEach((c) => c.push(null)));
                }
                previous = b;
                const f = figures(level.ring, level.offset(i), model.tickLengthNs);
                xs.push(x + widthS); // a window is drawn at its end: what was known then
                let p = 0;
                for (const { panel } of this.plots.values()) {
                    panel.series.forEach(([, , get], s) => columns[p][s].push(gapless(get(f))));
                    p++;
                }
            }
        }
        // The window still filling, as the newest point.
        const open = node.series.provisional(k, this.partial, this.partialHist);
        const lastShown = level && level.count > 0 ? level.bucketAt(level.count - 1) : -1;
        if (open > lastShown && this.partial[F.ticks] > 0) {
            if (lastShown >= 0 && open - lastShown > 1) {
                xs.push((lastShown + 2) * widthS);
                columns.forEach((cols) => cols.forEach((c) => c.push(null)));
            }
            const f = figures(this.partial, 0, model.tickLengthNs);
            xs.push(Math.min(nowS, (open + 1) * widthS));
            let c = 0;
            for (const { panel } of this.plots.values()) {
                panel.series.forEach(([, , get], s) => columns[c][s].push(gapless(get(f))));
                c++;
            }
        }
        let p = 0;
        for (const { plot } of this.plots.values()) {
            plot.setData([xs, ...columns[p++]]); // scales from xRange() and the data
        }
        this.container.dataset.points = String(xs.length);
        this.container.dataset.level = String(k);
        this.frames++;
    }

    /** Vertical markers for the events in view. */
    drawEvents(u) {
        const list = this.events ? this.events.inRange(u.scales.x.min, u.scales.x.max) : [];
        if (list.length === 0) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1 * devicePixelRatio;
        for (const e of list) {
            const x = Math.round(u.valToPos(e.timeS, 'x', true));
            ctx.strokeStyle = e.colour;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
        }
        ctx.restore();
    }
}

export { F };
