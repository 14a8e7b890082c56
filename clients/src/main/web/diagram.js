// The system as a diagram: services (and databases, load sources, whatever kinds later issues add) as nodes, calls
// as edges, laid out by dagre once per structure; live figures and health colours updated in place. Nodes are
// keyboard-reachable buttons: Enter or a click focuses a node's charts. Wheel zooms, drag pans, "Fit" resets.
import dagre from '@dagrejs/dagre';
import { duration, percent, rate } from './format.js';
import { THRESHOLDS } from './health.js';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 176;
const NODE_H = 62;
const SOURCE_W = 132;
const SOURCE_H = 40;
const LABEL_W = 96;
const LABEL_H = 28;
const NARROW_PX = 720; // below this width the diagram runs top to bottom
const MIN_SCALE = 0.7;  // below this the labels are too small to read

function el(name, attrs = {}, parent = null) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
}

/** A smooth path through dagre's points (a uniform B-spline, as d3's curveBasis). */
function basis(points) {
    if (points.length < 3) return `M${points.map((p) => `${p.x},${p.y}`).join('L')}`;
    let d = `M${points[0].x},${points[0].y}`;
    const p = points;
    d += `L${(5 * p[0].x + p[1].x) / 6},${(5 * p[0].y + p[1].y) / 6}`;
    for (let i = 1; i < p.length - 1; i++) {
        const a = p[i - 1], b = p[i], c = p[i + 1];
        d += `C${(2 * a.x + b.x) / 3},${(2 * a.y + b.y) / 3} ${(a.x + 2 * b.x) / 3},${(a.y + 2 * b.y) / 3} `
            + `${(a.x + 4 * b.x + c.x) / 6},${(a.y + 4 * b.y + c.y) / 6}`;
    }
    const n = p.length;
    d += `C${(2 * p[n - 2].x + p[n - 1].x) / 3},${(2 * p[n - 2].y + p[n - 1].y) / 3} `
        + `${(p[n - 2].x + 2 * p[n - 1].x) / 3},${(p[n - 2].y + 2 * p[n - 1].y) / 3} ${p[n - 1].x},${p[n - 1].y}`;
    return d;
}

export class Diagram {
    /** @param onFocus(key) called when a node is chosen */
    constructor(container, onFocus) {
        this.container = container;
        this.onFocus = onFocus;
        this.svg = el('svg', { class: 'diagram', role: 'group', 'aria-label': 'System diagram' }, container);
        const defs = el('defs', {}, this.svg);
        for (const kind of ['base', 'warn', 'critical']) {
            const m = el('marker', {
                id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
                orient: 'auto-start-reverse',
            }, defs);
            el('path', { d: 'M0,0L10,5L0,10z', class: `arrow arrow-${kind}` }, m);
        }
        this.viewport = el('g', {}, this.svg);
        this.edgeLayer = el('g', { class: 'edges' }, this.viewport);
        this.labelLayer = el('g', { class: 'edge-labels' }, this.viewport);
        this.nodeLayer = el('g', { class: 'nodes' }, this.viewport);
        this.nodes = new Map(); // key -> {g, parts}
        this.centres = new Map(); // key -> {x, y} in layout units
        this.edges = [];
        this.structureVersion = -1;
        this.focused = null;
        this.view = null;      // {x, y, w, h}: the viewBox
        this.bounds = null;    // the layout's size
        this.rankdir = null;
        this.installPanZoom();
        new ResizeObserver(() => this.onResize()).observe(container);
    }

    onResize() {
        const rankdir = this.container.clientWidth < NARROW_PX ? 'TB' : 'LR';
        if (this.model && rankdir !== this.rankdir) this.layout(this.model);
    }

    /** Lays out the model's structure again if it changed; then updates figures. */
    render(model) {
        this.model = model;
        if (model.structureVersion !== this.structureVersion) this.layout(model);
        this.update(model);
    }

    layout(model) {
        this.structureVersion = model.structureVersion;
        this.rankdir = this.container.clientWidth < NARROW_PX ? 'TB' : 'LR';
        const g = new dagre.graphlib.Graph({ multigraph: true });
        g.setGraph({ rankdir: this.rankdir, nodesep: 26, ranksep: this.rankdir === 'LR' ? 70 : 46, edgesep: 14,
            marginx: 12, marginy: 12 });
        g.setDefaultEdgeLabel(() => ({}));
        for (const key of model.order) {
            const node = model.nodes.get(key);
            const source = node.kind === 'source';
            g.setNode(key, { width: source ? SOURCE_W : NODE_W, height: source ? SOURCE_H : NODE_H });
        }
        const edges = model.edges();
        edges.forEach((e, i) => {
            if (g.hasNode(e.from) && g.hasNode(e.to)) {
                g.setEdge(e.from, e.to, { width: LABEL_W, height: LABEL_H, labelpos: 'c' }, `e${i}`);
            }
        });
        dagre.layout(g);

        this.nodeLayer.replaceChildren();
        this.edgeLayer.replaceChildren();
        this.labelLayer.replaceChildren();
        this.nodes.clear();
        this.centres.clear();
        this.edges = [];
        edges.forEach((e, i) => {
            const laid = g.edge({ v: e.from, w: e.to, name: `e${i}` });
            if (!laid) return;
            const path = el('path', { class: `edge edge-${e.mode}`, d: basis(laid.points) }, this.edgeLayer);
            path.setAttribute('marker-end', 'url(#arrow-base)');
            const at = `translate(${laid.x},${laid.y})`;
            const label = el('g', { class: 'edge-label', transform: at }, this.labelLayer);
            const bg = el('rect', { x: -LABEL_W / 2, y: -11, width: LABEL_W, height: 22, rx: 4 }, label);
            const text = el('text', { 'text-anchor': 'middle', y: 4 }, label);
            const rateText = el('tspan', { class: 'edge-rate' }, text);
            const errText = el('tspan', { class: 'edge-err', dx: 4 }, text);
            this.edges.push({ key: `${e.from}>${e.to}`, path, label, bg, rateText, errText });
        });
        for (const key of model.order) {
            const node = model.nodes.get(key);
            const box = g.node(key);
            this.nodes.set(key, this.drawNode(node, box));
            this.centres.set(key, { x: box.x, y: box.y });
        }
        const size = g.graph();
        this.bounds = { w: Math.max(size.width, 1), h: Math.max(size.height, 1) };
        this.fit();
    }

    drawNode(node, box) {
        const source = node.kind === 'source';
        const w = source ? SOURCE_W : NODE_W;
        const h = source ? SOURCE_H : NODE_H;
        const g = el('g', {
            class: `node node-${node.kind}`, transform: `translate(${box.x - w / 2},${box.y - h / 2})`,
            tabindex: 0, role: 'button', 'data-key': node.key, 'data-name': node.name,
        }, this.nodeLayer);
        const choose = () => this.onFocus(node.key);
        g.addEventListener('click', choose);
        g.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                choose();
            }
        });
        const parts = { g };
        if (source) {
            parts.frame = el('rect', { class: 'frame', width: w, height: h, rx: h / 2 }, g);
            el('text', { class: 'name', x: w / 2, y: 17, 'text-anchor': 'middle' }, g).textContent = node.name;
            parts.stats = el('text', { class: 'stats', x: w / 2, y: 32, 'text-anchor': 'middle' }, g);
        } else {
            parts.frame = el('rect', { class: 'frame', width: w, height: h, rx: 7 }, g);
            parts.stripe = el('rect', { class: 'stripe', width: 5, height: h - 2, x: 1, y: 1, rx: 3 }, g);
            const name = el('text', { class: 'name', x: 14, y: 19 }, g);
            name.textContent = node.name.length > 21 ? `${node.name.slice(0, 20)}…` : node.name;
            if (node.kind !== 'service') {
                el('text', { class: 'kind', x: w - 8, y: 19, 'text-anchor': 'end' }, g).textContent =
                    node.kind === 'database' ? 'db' : node.kind;
            }
            parts.stats = el('text', { class: 'stats', x: 14, y: 37 }, g);
            el('rect', { class: 'util-track', x: 14, y: 47, width: w - 28, height: 5, rx: 2.5 }, g);
            parts.util = el('rect', { class: 'util-bar', x: 14, y: 47, width: 0, height: 5, rx: 2.5 }, g);
            parts.utilW = w - 28;
        }
        parts.title = el('title', {}, g);
        return parts;
    }

    update(model) {
        for (const [key, parts] of this.nodes) {
            const node = model.nodes.get(key);
            if (!node) continue;
            const w = node.window;
            const state = node.filteredOut ? 'filtered' : node.health.state;
            if (parts.state !== state) {
                parts.state = state;
                parts.g.setAttribute('data-health', state);
            }
            const stats = node.filteredOut ? 'filtered out'
                : w ? `${rate(w.rps)} · p99 ${duration(w.p99Ns)}` : 'waiting for ticks';
            if (parts.statsText !== stats) {
                parts.statsText = stats;
                parts.stats.textContent = stats;
            }
            if (parts.util) {
                const u = w && w.utilisation !== null ? Math.min(1, w.utilisation) : 0;
                parts.util.setAttribute('width', (parts.utilW * u).toFixed(1));
            }
            const label = `${node.name}: ${node.kind}, ${state}` + (w ? `, ${rate(w.rps)}, p99 ${duration(w.p99Ns)}`
                + (w.utilisation !== null ? `, utilisation ${percent(w.utilisation)}` : '') : '')
                + (node.health.reasons.length && state !== 'ok' ? ` (${node.health.reasons.join('; ')})` : '');
            if (parts.label !== label) {
                parts.label = label;
                parts.g.setAttribute('aria-label', label);
                parts.title.textContent = label;
            }
            parts.g.classList.toggle('focused', key === this.focused);
        }
        const edges = model.edges();
        const byKey = new Map(edges.map((e) => [`${e.from}>${e.to}`, e]));
        for (const drawn of this.edges) {
            const e = byKey.get(drawn.key);
            if (!e) continue;
            const [warn, critical] = THRESHOLDS.errorRate; // an edge by the share of its calls that fail
            const severity = e.failedRatio >= critical ? 'critical' : e.failedRatio >= warn ? 'warn' : 'base';
            const text = e.rate === null ? '–' : `${e.exact ? '' : '≈'}${rate(e.rate)}`;
            const err = e.failed > 0 && e.rate > 0 ? `${percent(e.failedRatio)} err` : '';
            if (drawn.text !== text + err + severity) {
                drawn.text = text + err + severity;
                drawn.rateText.textContent = text;
                drawn.errText.textContent = err;
                drawn.errText.setAttribute('class', `edge-err edge-err-${severity}`);
                drawn.path.setAttribute('class', `edge edge-${e.mode} edge-${severity}`);
                drawn.path.setAttribute('marker-end', `url(#arrow-${severity})`);
                const width = e.rate > 0 ? Math.min(4, 1 + Math.log10(1 + e.rate) * 0.8) : 1;
                drawn.path.style.strokeWidth = `${width.toFixed(2)}px`;
            }
        }
    }

    focus(key) {
        this.focused = key;
        for (const [k, parts] of this.nodes) parts.g.classList.toggle('focused', k === key);
    }

    fit() {
        if (!this.bounds) return;
        this.view = { x: 0, y: 0, w: this.bounds.w, h: this.bounds.h };
        this.applyView();
        // As large as the panel allows, up to 1.25x; never so small that its text cannot be read: then the panel
        // scrolls sideways instead (a phone).
        const fitScale = this.container.clientWidth / this.bounds.w;
        const scale = Math.min(1.25, Math.max(fitScale, MIN_SCALE));
        this.svg.style.width = fitScale < MIN_SCALE ? `${Math.round(this.bounds.w * scale)}px` : '100%';
        this.svg.style.height = `${Math.round(Math.max(160, this.bounds.h * scale))}px`; // the panel scrolls
        // Scrolled: start with the focused node (else the first) in the middle, not at an arbitrary edge.
        const centre = this.centres.get(this.focused) ?? this.centres.values().next().value;
        if (centre && fitScale < MIN_SCALE) {
            this.container.scrollLeft = Math.max(0, centre.x * scale - this.container.clientWidth / 2);
            this.container.scrollTop = Math.max(0, centre.y * scale - this.container.clientHeight / 2);
        }
    }

    applyView() {
        const v = this.view;
        this.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    }

    installPanZoom() {
        let drag = null;
        this.svg.addEventListener('wheel', (ev) => {
            if (!this.view || !ev.ctrlKey && !ev.metaKey && !ev.altKey) return; // plain wheel scrolls the page
            ev.preventDefault();
            const r = this.svg.getBoundingClientRect();
            const fx = (ev.clientX - r.left) / r.width;
            const fy = (ev.clientY - r.top) / r.height;
            const factor = Math.exp(ev.deltaY * 0.002);
            const v = this.view;
            const w = Math.min(this.bounds.w * 4, Math.max(80, v.w * factor));
            const h = v.h * (w / v.w);
            this.view = { x: v.x + (v.w - w) * fx, y: v.y + (v.h - h) * fy, w, h };
            this.applyView();
        }, { passive: false });
        this.svg.addEventListener('pointerdown', (ev) => {
            if (!this.view || ev.target.closest('.node')) return;
            drag = { x: ev.clientX, y: ev.clientY, view: { ...this.view } };
            this.svg.setPointerCapture(ev.pointerId);
        });
        this.svg.addEventListener('pointermove', (ev) => {
            if (!drag) return;
            const r = this.svg.getBoundingClientRect();
            const sx = drag.view.w / r.width;
            const sy = drag.view.h / r.height;
            this.view = { ...drag.view, x: drag.view.x - (ev.clientX - drag.x) * sx,
                y: drag.view.y - (ev.clientY - drag.y) * sy };
            this.applyView();
        });
        const end = () => {
            drag = null;
        };
        this.svg.addEventListener('pointerup', end);
        this.svg.addEventListener('pointercancel', end);
    }
}
