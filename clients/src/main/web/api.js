// The REST API the page drives (transport's HttpApiHandler; README "Using it"). Every call resolves to
// {ok, status, body} with the body parsed as JSON when it is; network failures resolve too (status 0).
import { auth, NEEDS_TOKEN } from './auth.js';

async function call(method, path, body, contentType) {
    let response;
    try {
        response = await fetch(path, {
            method,
            body,
            headers: body === undefined ? auth.headers()
                : { ...auth.headers(), 'content-type': contentType ?? 'application/yaml' },
            cache: 'no-store',
        });
    } catch (e) {
        return { ok: false, status: 0, body: { error: `the server cannot be reached (${e.message})` } };
    }
    const text = await response.text();
    let parsed = text;
    try {
        parsed = text ? JSON.parse(text) : null;
    } catch {
        // not JSON: keep the text
    }
    if (response.status === 401) {
        parsed = { error: auth.has() ? 'the token is not this server\'s' : NEEDS_TOKEN };
    }
    return { ok: response.ok, status: response.status, body: parsed };
}

const sim = (id) => `/simulations/${encodeURIComponent(id)}`;

export const api = {
    list: () => call('GET', '/simulations'),
    get: (id) => call('GET', sim(id)),
    diagram: (id) => call('GET', `${sim(id)}/diagram`),
    /** params: {speed, ticks, duration, seed, workers}; empty ones are left out. */
    start: (diagramText, params = {}) => {
        const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null));
        const q = query.toString();
        return call('POST', `/simulations${q ? `?${q}` : ''}`, diagramText);
    },
    stop: (id) => call('POST', `${sim(id)}/stop`),
    pause: (id) => call('POST', `${sim(id)}/pause`),
    resume: (id) => call('POST', `${sim(id)}/resume`),
    seek: (id, tick) => call('POST', `${sim(id)}/seek?tick=${Math.round(tick)}`),
    speed: (id, x) => call('POST', `${sim(id)}/speed?x=${encodeURIComponent(x)}`),
    /** Live edits (docs/dashboard.md, "Controls"): a JSON merge patch, a fault added, a fault ended. */
    edit: (id, patch) => call('PATCH', sim(id), patch, 'application/merge-patch+json'),
    addFault: (id, fault) => call('POST', `${sim(id)}/faults`, fault, 'application/json'),
    endFault: (id, faultId) => call('DELETE', `${sim(id)}/faults/${encodeURIComponent(faultId)}`),
};

/** A failed call's text: the server's `error`, then one line per diagram problem (each with its field path). */
export function describeFailure(result) {
    const body = result.body;
    const lines = [];
    if (body && typeof body === 'object') {
        lines.push(`${result.status ? `HTTP ${result.status}: ` : ''}${body.error ?? 'failed'}`);
        if (body.parameter) lines.push(`parameter: ${body.parameter}`);
        for (const p of body.problems ?? []) lines.push(p);
    } else {
        lines.push(`HTTP ${result.status}${body ? `: ${body}` : ''}`);
    }
    return lines;
}
