// The dashboard's health judgement (src/main/web/health.js), with node:test: the documented thresholds
// (docs/dashboard.md, "Health"), the worst signal wins, an SLO only with ?slo=, no traffic is idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CRITICAL, IDLE, OK, WARN, assess } from '../../main/web/health.js';

const window = (over) => ({ arrivals: 1000, completed: 990, utilisation: 0.5, errorRate: 0.01, rejectionRate: 0,
    p99Ns: 20e6, ...over });

test('each signal at its documented thresholds', () => {
    assert.equal(assess(window(), null).state, OK);
    assert.equal(assess(window({ utilisation: 0.8 }), null).state, WARN);
    assert.equal(assess(window({ utilisation: 0.95 }), null).state, CRITICAL);
    assert.equal(assess(window({ errorRate: 0.05 }), null).state, WARN);
    assert.equal(assess(window({ errorRate: 0.25 }), null).state, CRITICAL);
    assert.equal(assess(window({ rejectionRate: 0.001 }), null).state, WARN);
    assert.equal(assess(window({ rejectionRate: 0.01 }), null).state, CRITICAL);
});

test('the p99 counts only against an SLO', () => {
    assert.equal(assess(window({ p99Ns: 900e6 }), null).state, OK);
    assert.equal(assess(window({ p99Ns: 16e6 }), 20e6).state, WARN);
    const missed = assess(window({ p99Ns: 25e6 }), 20e6);
    assert.equal(missed.state, CRITICAL);
    assert.match(missed.reasons.join(), /p99 25\.0 ms vs SLO 20\.0 ms/);
});

test('the worst signal wins and every bad one is a reason; no traffic is idle', () => {
    const h = assess(window({ utilisation: 0.85, rejectionRate: 0.02 }), null);
    assert.equal(h.state, CRITICAL);
    assert.equal(h.reasons.length, 2);
    assert.equal(assess(window({ arrivals: 0, completed: 0, utilisation: 0 }), null).state, IDLE);
});
