// Events of the run shown: a timeline (newest first) and markers on every chart. Today the page records what it sees
// happen (start, end, pauses, seeks, speed changes, conflation, health changes); the operations issue's audit trail
// (scaling, replicas, faults, live edits, alerts) comes in through the same add():
//
//   events.add({ timeNs, kind, service, text })     timeNs: simulated ns since the run's start
//
// Kinds have a colour (KINDS); an unknown kind is drawn grey. Bounded: the oldest events go first.
const MAX_EVENTS = 500;

export const KINDS = Object.freeze({
    run: '#8ab8ff',        // started, ended, subscribed
    control: '#b877d9',    // pause, resume, seek, speed, stop
    health: '#ff9830',     // a service's health changed
    critical: '#f2495c',   // a service turned critical
    recovered: '#73bf69',  // back to ok
    gap: '#fade2a',        // ticks conflated or missing
});

const MARKED = new Set(['run', 'control', 'critical', 'gap']);

export class Events {
    constructor(list) {
        this.list = list;   // the <ol> of the timeline
        this.items = [];
        this.version = 0;
        this.onChange = null;
    }

    clear() {
        this.items = [];
        this.list.replaceChildren();
        this.version++;
    }

    add({ timeNs, kind, service = null, text }) {
        const e = { timeS: timeNs / 1e9, kind, service, text, colour: KINDS[kind] ?? '#8e96a3' };
        this.items.push(e);
        if (this.items.length > MAX_EVENTS) {
            this.items.shift();
            this.list.lastElementChild?.remove();
        }
        const li = document.createElement('li');
        li.dataset.kind = kind;
        const at = document.createElement('time');
        at.textContent = clockOf(e.timeS);
        const dot = document.createElement('span');
        dot.className = 'dot';
        dot.style.background = e.colour;
        const body = document.createElement('span');
        body.textContent = service ? `${service}: ${text}` : text;
        li.append(at, dot, body);
        this.list.prepend(li);
        this.version++;
        if (this.onChange) this.onChange(e);
        return e;
    }

    /** The events drawn on charts: not the warning-level health flaps, which the timeline lists. */
    inRange(min, max) {
        return this.items.filter((e) => e.timeS >= min && e.timeS <= max && MARKED.has(e.kind) && e.timeS > 0);
    }
}

function clockOf(seconds) {
    const m = Math.floor(seconds / 60);
    const s = (seconds % 60).toFixed(2).padStart(5, '0');
    return `${m}:${s}`;
}
