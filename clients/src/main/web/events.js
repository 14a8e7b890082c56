// Events of the run shown: a timeline (newest first) and markers on every chart. The page records what it sees
// happen (start, end, pauses, seeks, speed changes, conflation, health changes), and the run's audit trail from the
// feed (scale decisions, replica lifecycle, faults, live edits: describeRunEvent) comes in through the same add():
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
    scale: '#5794f2',      // an autoscaler changed the desired replicas
    replica: '#96d98d',    // a replica started, became ready, crashed, was replaced, drained, removed
    fault: '#e0752d',      // a fault started or ended
    edit: '#ca95e5',       // a live edit took effect
    breaker: '#f2cc0c',    // a circuit breaker changed state
    alert: '#ff780a',      // an alert rule started firing: the warning colour
    pending: '#c8b46e',    // an alert rule's condition became true (pending, not firing yet)
    resolved: '#73bf69',   // a firing alert resolved, or a pending one went back to inactive
});

const MARKED = new Set(['run', 'control', 'critical', 'gap', 'scale', 'fault', 'edit', 'breaker', 'alert',
    'resolved']);

/** An alert event's value, in its function's base unit (ns, a fraction, per second, replicas), 4 digits. */
function alertValue(v) {
    return v === null || v === undefined || Number.isNaN(v) ? 'no data' : `${Number(v.toPrecision(4))}`;
}

/**
 * A feed event (tickwire-decoder.js: replicaEvent, scaleDecision, faultEvent, liveEditApplied, breakerEvent,
 * alertEvent) as a
 * timeline entry:
 * {timeNs, kind, service, text}; `name(serviceId)` gives a service's name. As `tickwire events` words them.
 */
export function describeRunEvent(msg, name) {
    const at = { timeNs: msg.simTimeNs };
    switch (msg.type) {
        case 'scaleDecision':
            return { ...at, kind: 'scale', service: name(msg.serviceId),
                text: `${msg.fromReplicas} → ${msg.toReplicas} replicas (${msg.algorithm.toLowerCase()}: `
                    + `${msg.reason})` };
        case 'replicaEvent': {
            const what = msg.kind.toLowerCase().replaceAll('_', ' ');
            const detail = msg.kind === 'REPLACED' ? ` by #${msg.detail}`
                : msg.kind === 'KILLED_AFTER_GRACE' ? ` (${msg.detail} requests failed)` : '';
            return { ...at, kind: 'replica', service: name(msg.serviceId),
                text: `replica #${msg.replica} ${what}${detail}` };
        }
        case 'faultEvent':
            return { ...at, kind: 'fault', service: msg.serviceId >= 0 ? name(msg.serviceId) : null,
                text: `fault #${msg.faultId} ${msg.phase.toLowerCase()}: ${msg.description}` };
        case 'breakerEvent': {
            const rate = msg.failureRate >= 0
                ? ` (failure rate ${msg.failureRate / 100}%, slow ${msg.slowCallRate / 100}%)` : '';
            return { ...at, kind: 'breaker', service: name(msg.serviceId),
                text: `breaker to ${name(msg.callee)} ${msg.fromState.toLowerCase().replace('_', '-')} → `
                    + `${msg.toState.toLowerCase().replace('_', '-')}${rate}` };
        }
        case 'alertEvent': {
            const from = msg.fromState.toLowerCase();
            const to = msg.toState.toLowerCase();
            const kind = to === 'firing' ? 'alert' : to === 'pending' ? 'pending' : 'resolved';
            const what = from === 'firing' && to === 'inactive' ? 'resolved' : `${from} → ${to}`;
            return { ...at, kind, service: msg.serviceId >= 0 ? name(msg.serviceId) : null,
                text: `alert ${msg.name} ${what} (value ${alertValue(msg.value)})` };
        }
        case 'liveEditApplied':
            return { ...at, kind: 'edit', service: null,
                text: `live edit ${msg.editId} applied (${msg.kind.toLowerCase().replace('_', ' ')})` };
        default:
            return null;
    }
}

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
