// Health of a service over the health window (docs/dashboard.md, "Health"): the worst of four signals, each with a
// warning and a critical threshold. Thresholds are fixed here and documented; the SLO is per service, from the
// page's ?slo= parameter.
import { duration, percent } from './format.js';

export const OK = 'ok';
export const WARN = 'warn';
export const CRITICAL = 'critical';
export const IDLE = 'idle';

/** The thresholds: [warning, critical]. Documented in docs/dashboard.md; change both together. */
export const THRESHOLDS = Object.freeze({
    utilisation: [0.8, 0.95],     // busy server-time / available server-time
    errorRate: [0.05, 0.25],      // errors / (completed + errors)
    rejectionRate: [0.001, 0.01], // rejected / arrivals (a full queue)
    sloRatio: [0.8, 1.0],         // p99 / the service's SLO (?slo=)
});

/** The health window: buckets of at least this much simulated time. */
export const WINDOW_SECONDS = 2;

const RANK = { [IDLE]: 0, [OK]: 1, [WARN]: 2, [CRITICAL]: 3 };

function grade(value, [warn, crit]) {
    if (value === null || !Number.isFinite(value)) return OK;
    return value >= crit ? CRITICAL : value >= warn ? WARN : OK;
}

/**
 * @param w window figures: {utilisation, errorRate, rejectionRate, p99Ns, arrivals, completed}
 * @param sloNs the service's p99 objective, or null
 * @returns {{state: string, reasons: string[]}} reasons name each signal at warning or worse
 */
export function assess(w, sloNs) {
    if (!w || (w.arrivals === 0 && w.completed === 0 && !(w.utilisation > 0))) {
        return { state: IDLE, reasons: ['no traffic in the window'] };
    }
    let state = OK;
    const reasons = [];
    const check = (name, value, thresholds, text) => {
        const g = grade(value, thresholds);
        if (RANK[g] > RANK[state]) state = g;
        if (g !== OK) reasons.push(`${name} ${text}`);
    };
    check('utilisation', w.utilisation, THRESHOLDS.utilisation, percent(w.utilisation));
    check('errors', w.errorRate, THRESHOLDS.errorRate, percent(w.errorRate));
    check('rejections', w.rejectionRate, THRESHOLDS.rejectionRate, percent(w.rejectionRate));
    if (sloNs && w.p99Ns !== null) {
        check('p99', w.p99Ns / sloNs, THRESHOLDS.sloRatio, `${duration(w.p99Ns)} vs SLO ${duration(sloNs)}`);
    }
    return { state, reasons };
}

export function worse(a, b) {
    return RANK[a] >= RANK[b] ? a : b;
}
