// Tickwire HTML report: draws the plots as inline SVG from the JSON in #report-data. No libraries, no network.
(function () {
    'use strict';
    const data = JSON.parse(document.getElementById('report-data').textContent);
    const SVG = 'http://www.w3.org/2000/svg'; // a namespace name, never fetched
    const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf',
        '#7f7f7f', '#bcbd22'];
    const WIDTH = 560;
    const HEIGHT = 230;
    const M = {left: 58, right: 30, top: 10, bottom: 34};

    function el(name, attrs, parent) {
        const e = document.createElementNS(SVG, name);
        for (const k in attrs) {
            e.setAttribute(k, attrs[k]);
        }
        if (parent) {
            parent.appendChild(e);
        }
        return e;
    }

    function html(tag, className, text, parent) {
        const e = document.createElement(tag);
        if (className) {
            e.className = className;
        }
        if (text !== undefined) {
            e.textContent = text;
        }
        if (parent) {
            parent.appendChild(e);
        }
        return e;
    }

    /** About `count` round tick values covering [min, max]. */
    function niceTicks(min, max, count) {
        if (!(max > min)) {
            max = min + 1;
        }
        const raw = (max - min) / count;
        const mag = Math.pow(10, Math.floor(Math.log10(raw)));
        const step = [1, 2, 2.5, 5, 10].map(s => s * mag).find(s => s >= raw);
        const ticks = [];
        for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
            ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return ticks;
    }

    function format(v) {
        const a = Math.abs(v);
        if (a === 0) {
            return '0';
        }
        if (a >= 1e6) {
            return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
        }
        if (a >= 1e4) {
            return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
        }
        if (a >= 100) {
            return v.toFixed(0);
        }
        if (a >= 1) {
            return String(+v.toFixed(2));
        }
        return String(+v.toPrecision(2));
    }

    /**
     * One figure: spec = {key, title, caption, yLabel, xLabel, series: [{name, colour, xs, ys}], xTicks?, warmupS?,
     * markers?: [{x, colour, label}]}. Null y values break a line; markers are vertical lines with the label as a
     * tooltip. The svg carries data-plot, data-series, data-points and data-markers for checks.
     */
    function plot(parent, spec) {
        const figure = html('figure', null, undefined, parent);
        html('h3', null, spec.title, figure);
        const svg = el('svg', {
            class: 'plot', width: WIDTH, height: HEIGHT, viewBox: '0 0 ' + WIDTH + ' ' + HEIGHT,
            'data-plot': spec.key, role: 'img', 'aria-label': spec.title
        }, figure);
        let xMin = Infinity, xMax = -Infinity, yMax = -Infinity, yMin = 0, points = 0;
        for (const s of spec.series) {
            for (let i = 0; i < s.xs.length; i++) {
                if (s.ys[i] === null || !isFinite(s.ys[i])) {
                    continue;
                }
                xMin = Math.min(xMin, s.xs[i]);
                xMax = Math.max(xMax, s.xs[i]);
                yMax = Math.max(yMax, s.ys[i]);
                yMin = Math.min(yMin, s.ys[i]);
            }
        }
        if (spec.xRange) {
            xMin = spec.xRange[0];
            xMax = Math.max(spec.xRange[1], xMax);
        }
        if (!isFinite(xMin)) {
            xMin = 0;
            xMax = 1;
        }
        if (!(yMax > yMin)) {
            yMax = yMin + 1;
        }
        yMax *= 1.05;
        const plotW = WIDTH - M.left - M.right;
        const plotH = HEIGHT - M.top - M.bottom;
        const x = v => M.left + (xMax > xMin ? (v - xMin) / (xMax - xMin) : 0.5) * plotW;
        const y = v => M.top + plotH - (v - yMin) / (yMax - yMin) * plotH;

        if (spec.warmupS > 0 && spec.warmupS > xMin) {
            el('rect', {class: 'warmup', x: x(xMin), y: M.top, width: x(Math.min(spec.warmupS, xMax)) - x(xMin),
                height: plotH}, svg);
        }
        for (const t of niceTicks(yMin, yMax, 5)) {
            if (t > yMax) {
                continue;
            }
            el('line', {class: 'grid-line', x1: M.left, x2: WIDTH - M.right, y1: y(t), y2: y(t)}, svg);
            el('text', {x: M.left - 6, y: y(t) + 4, 'text-anchor': 'end'}, svg).textContent = format(t);
        }
        const xTicks = spec.xTicks || niceTicks(xMin, xMax, 6).map(v => ({v: v, label: format(v)}));
        for (const t of xTicks) {
            if (t.v < xMin - 1e-9 || t.v > xMax + 1e-9) {
                continue;
            }
            el('line', {class: 'grid-line', x1: x(t.v), x2: x(t.v), y1: M.top, y2: M.top + plotH}, svg);
            el('text', {x: x(t.v), y: HEIGHT - M.bottom + 15, 'text-anchor': 'middle'}, svg).textContent = t.label;
        }
        el('line', {class: 'axis', x1: M.left, x2: WIDTH - M.right, y1: M.top + plotH, y2: M.top + plotH}, svg);
        el('line', {class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH}, svg);
        el('text', {x: M.left + plotW / 2, y: HEIGHT - 4, 'text-anchor': 'middle'}, svg).textContent = spec.xLabel;
        el('text', {x: 12, y: M.top + plotH / 2, 'text-anchor': 'middle',
            transform: 'rotate(-90 12 ' + (M.top + plotH / 2) + ')'}, svg).textContent = spec.yLabel;

        for (const s of spec.series) {
            let d = '';
            let pen = false;
            let n = 0;
            for (let i = 0; i < s.xs.length; i++) {
                const v = s.ys[i];
                if (v === null || !isFinite(v)) {
                    pen = false;
                    continue;
                }
                d += (pen ? 'L' : 'M') + x(s.xs[i]).toFixed(1) + ',' + y(v).toFixed(1);
                pen = true;
                n++;
            }
            points += n;
            const path = el('path', {class: 'series', d: d || 'M0,0', stroke: s.colour, 'data-series': s.name,
                'data-points': n}, svg);
            el('title', {}, path).textContent = s.name;
        }
        let markers = 0;
        for (const m of spec.markers || []) {
            if (m.x < xMin - 1e-9 || m.x > xMax + 1e-9) {
                continue;
            }
            const line = el('line', {class: 'marker', x1: x(m.x), x2: x(m.x), y1: M.top, y2: M.top + plotH,
                stroke: m.colour, 'data-marker': m.type}, svg);
            el('title', {}, line).textContent = m.label;
            markers++;
        }
        svg.setAttribute('data-series', spec.series.length);
        svg.setAttribute('data-points', points);
        svg.setAttribute('data-markers', markers);
        const legend = html('div', 'legend', undefined, figure);
        for (const s of spec.series) {
            const item = html('span', null, s.name, legend);
            item.style.setProperty('--c', s.colour);
        }
        if (spec.caption) {
            html('figcaption', null, spec.caption, figure);
        }
        return svg;
    }

    function section(title) {
        const root = document.getElementById('plots');
        html('h2', null, title, root);
        return html('div', 'grid', undefined, root);
    }

    const services = data.services;
    const colour = i => COLOURS[i % COLOURS.length];
    const perService = (key) => services.map((s, i) => ({name: s.name, colour: colour(i), xs: s.t, ys: s[key]}));
    const timeLabel = 'simulated time (s), windows of ' + format(data.windowS) + ' s';
    const range = [data.startS, data.endS];

    const load = section('Load and errors');
    plot(load, {key: 'throughput', title: 'Throughput', yLabel: 'completed / s', xLabel: timeLabel,
        series: perService('throughput'), xRange: range, warmupS: data.warmupS,
        caption: 'Requests completed per simulated second, per window.'});
    plot(load, {key: 'errors', title: 'Error rate', yLabel: 'errors (%)', xLabel: timeLabel,
        series: services.map((s, i) => ({name: s.name, colour: colour(i), xs: s.t,
            ys: s.errorRate.map(v => v === null ? null : 100 * v)})), xRange: range, warmupS: data.warmupS,
        caption: 'Errors as a share of completed requests, per window.'});

    // HdrHistogram's percentile plot: x = log10(1 / (1 - p)), so 90%, 99%, 99.9% ... are equally spaced.
    const distribution = section('Latency by percentile');
    let nines = 1;
    services.forEach(s => s.distribution.forEach(p => {
        nines = Math.max(nines, Math.ceil(p[0]));
    }));
    nines = Math.min(nines, 7);
    const xTicks = [{v: 0, label: '0%'}];
    for (let k = 1; k <= nines; k++) {
        xTicks.push({v: k, label: (100 - Math.pow(10, 2 - k)).toFixed(Math.max(0, k - 2)) + '%'});
    }
    plot(distribution, {key: 'distribution', title: 'Latency by percentile (after the warm-up)',
        yLabel: 'latency (ms)', xLabel: 'percentile', xTicks: xTicks, xRange: [0, nines],
        series: services.map((s, i) => ({name: s.name, colour: colour(i), xs: s.distribution.map(p => p[0]),
            ys: s.distribution.map(p => p[1])})),
        caption: 'Each service\'s merged histogram over the report window; x is log-scaled as 1/(1-p).'});

    const occupancy = section('Utilisation and cost');
    plot(occupancy, {key: 'utilization', title: 'Utilisation', yLabel: 'busy servers (%)', xLabel: timeLabel,
        series: services.map((s, i) => ({name: s.name, colour: colour(i), xs: s.t,
            ys: s.utilization.map(v => v === null ? null : 100 * v)})), xRange: range, warmupS: data.warmupS,
        caption: 'Time-average share of servers busy, from the exact busy-time integrals.'});
    plot(occupancy, {key: 'cost', title: 'Cost (cumulative)', yLabel: 'cost', xLabel: timeLabel,
        series: perService('cost'), xRange: range, warmupS: data.warmupS,
        caption: 'Cost accrued since the start of the journal, in the diagram\'s currency unit.'});
    const latency = section('Latency over time');
    services.forEach(s => {
        plot(latency, {key: 'latency', title: s.name + ': p50, p99, p99.9', yLabel: 'latency (ms)',
            xLabel: timeLabel, xRange: range, warmupS: data.warmupS, series: [
                {name: 'p50', colour: COLOURS[2], xs: s.t, ys: s.p50},
                {name: 'p99', colour: COLOURS[3], xs: s.t, ys: s.p99},
                {name: 'p99.9', colour: COLOURS[1], xs: s.t, ys: s.p999}]});
    });

    // Operations: replicas over time, with the run's events as markers, and the list of events.
    const EVENT_COLOURS = {scale: '#1f77b4', fault: '#d62728', edit: '#9467bd', replica: '#9aa4b1',
        breaker: '#8c564b', alert: '#e69f00'};
    const events = data.events || [];
    const concerned = services.filter(s => s.desired.length > 0
        || events.some(e => e.service === s.name || e.peer === s.name));
    if (concerned.length > 0) {
        const ops = section('Replicas and events');
        concerned.forEach(s => {
            const steps = {xs: [], ys: []};
            s.desired.forEach((p, i) => {
                if (i > 0) {
                    steps.xs.push(p[0]);
                    steps.ys.push(s.desired[i - 1][1]);
                }
                steps.xs.push(p[0]);
                steps.ys.push(p[1]);
            });
            if (s.desired.length > 0) {
                steps.xs.push(data.endS);
                steps.ys.push(s.desired[s.desired.length - 1][1]);
            }
            const markers = events.filter(e => e.service === s.name || e.peer === s.name || e.type === 'edit')
                .map(e => ({x: e.t, colour: EVENT_COLOURS[e.type] || '#333', type: e.type,
                    label: e.t.toFixed(3) + ' s (tick ' + e.tick + '): ' + e.text}));
            plot(ops, {key: 'replicas', title: s.name + ': replicas', yLabel: 'replicas', xLabel: timeLabel,
                xRange: range, warmupS: data.warmupS, markers: markers, series: [
                    {name: 'serving (mean)', colour: COLOURS[0], xs: s.t, ys: s.replicas},
                    {name: 'desired', colour: COLOURS[3], xs: steps.xs, ys: steps.ys}],
                caption: 'Serving replicas (their servers over each window, per replica) and the desired replicas '
                    + 'the scale decisions set. Markers: scale decisions (blue), faults (red), live edits (purple), '
                    + 'replica events (grey), alerts (amber); hover for what happened.'});
        });
        const root = document.getElementById('plots');
        html('h3', null, 'Events (' + data.eventCount + (data.eventCount > events.length
            ? ', the first ' + events.length + ' listed' : '') + ')', root);
        const table = html('table', 'events', undefined, root);
        const head = html('tr', null, undefined, table);
        for (const h of ['time (s)', 'tick', 'type', 'event']) {
            html('th', null, h, head);
        }
        events.forEach(e => {
            const row = html('tr', null, undefined, table);
            html('td', 'num', e.t.toFixed(3), row);
            html('td', 'num', String(e.tick), row);
            html('td', null, e.type, row);
            html('td', null, e.text, row);
        });
    }

    document.body.setAttribute('data-rendered', 'true');
})();
