// Numbers as people read them: three significant figures at most, a unit always, '–' for no value.

export const NONE = '–';

const ok = (v) => v !== null && v !== undefined && Number.isFinite(v);

/** 3 significant figures, no exponent; thousands grouped. */
export function num(v) {
    if (!ok(v)) return NONE;
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2)} M`;
    if (a >= 1000) return Math.round(v).toLocaleString('en-US');
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    if (a >= 0.01) return v.toFixed(3);
    return v.toPrecision(2);
}

/** A duration in ns, in the unit that reads best: ns, µs, ms, s. */
export function duration(ns) {
    if (!ok(ns)) return NONE;
    const a = Math.abs(ns);
    if (a === 0) return '0';
    if (a < 1e3) return `${num(ns)} ns`;
    if (a < 1e6) return `${num(ns / 1e3)} µs`;
    if (a < 1e9) return `${num(ns / 1e6)} ms`;
    return `${num(ns / 1e9)} s`;
}

/** A latency axis value given in ms. */
export const ms = (v) => (ok(v) ? duration(v * 1e6) : NONE);

export const rate = (perSecond) => (ok(perSecond) ? `${num(perSecond)}/s` : NONE);

export function percent(fraction) {
    if (!ok(fraction)) return NONE;
    const p = fraction * 100;
    if (p === 0) return '0%';
    if (Math.abs(p) < 0.1) return `${p.toFixed(2)}%`;
    if (Math.abs(p) < 10) return `${p.toFixed(1)}%`;
    return `${p.toFixed(0)}%`;
}

/** A currency amount per hour (the diagram's unit; no symbol: the diagram does not say which). */
export const perHour = (v) => (ok(v) ? `${v === 0 ? '0' : v < 10 ? v.toFixed(3) : num(v)}/h` : NONE);

/** A mean queue length: requests, 2 decimals at most. */
export const queue = (v) => (ok(v) ? (Math.abs(v) < 0.005 ? '0' : num(v)) : NONE);

/** Simulated time in s as m:ss.s or h:mm:ss. */
export function clock(seconds) {
    if (!ok(seconds)) return NONE;
    const s = Math.max(0, seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    const ss = sec.toFixed(1).padStart(4, '0');
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss.split('.')[0].padStart(2, '0')}` : `${m}:${ss}`;
}

export function bytes(v) {
    if (!ok(v)) return NONE;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
    }
    return `${num(x)} ${units[i]}`;
}

/** A wall-clock span in ms for the lag indicator. */
export function lag(msValue) {
    if (!ok(msValue)) return NONE;
    if (Math.abs(msValue) < 1000) return `${Math.round(msValue)} ms`;
    return `${num(msValue / 1000)} s`;
}

/** Parses '250ms', '2s', '500us', '1.5s' to ns; null when it is not a duration. */
export function parseDuration(text) {
    const m = /^\s*([0-9]*\.?[0-9]+)\s*(ns|us|µs|ms|s|m)\s*$/.exec(text ?? '');
    if (!m) return null;
    const scale = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9 }[m[2]];
    return Number(m[1]) * scale;
}
