// Tests for the dashboard's SBE decoder. Run: node --test clients/src/test/js/
// The encoder below writes fields one after another in schema declaration order, so it checks the decoder's
// offsets independently of the constants in the decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decode, encode, encodeListSimulations, encodePing, encodeSubscribe, encodeUnsubscribe, SCHEMA_ID, SCHEMA_VERSION,
  TEMPLATE, isEvent,
} from '../../main/resources/web/tickwire-decoder.js';

class Encoder {
  constructor() { this.bytes = []; }
  get position() { return this.bytes.length; }
  u8(v) { this.bytes.push(v & 0xff); return this; }
  u16(v) { return this.u8(v).u8(v >>> 8); }
  u32(v) { return this.u16(v & 0xffff).u16(v >>> 16); }
  i32(v) { return this.u32(v >>> 0); }
  i64(v) {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigInt64(0, BigInt(v), true);
    for (let i = 0; i < 8; i++) this.u8(b.getUint8(i));
    return this;
  }
  i16(v) { return this.u16(v & 0xffff); }
  f64(v) {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.u8(b.getUint8(i));
    return this;
  }
  pad(n) { for (let i = 0; i < n; i++) this.u8(0xee); return this; }
  raw(arr) { for (const b of arr) this.u8(b); return this; }
  str16(s) { const b = new TextEncoder().encode(s); return this.u16(b.length).raw(b); }
  data32(b) { return this.u32(b.length).raw(b); }
  /** Patches a uint16 at an absolute position (for blockLength written before its block). */
  set16(at, v) { this.bytes[at] = v & 0xff; this.bytes[at + 1] = v >>> 8; }
  header(templateId, { schemaId = SCHEMA_ID, version = 2 } = {}) {
    return this.u16(0).u16(templateId).u16(schemaId).u16(version);
  }
  /** Ends the root block that started at offset 8: patches the header's blockLength after `extra` bytes. */
  endRoot(extra = 0) { this.pad(extra); this.set16(0, this.position - 8); return this; }
  buffer() { return new Uint8Array(this.bytes).buffer; }
}

const CATALOG = {
  simulationId: 42, tickLengthNs: 50_000_000, seed: -7, startWallTimeNs: 1_700_000_000_123_456_789,
  schemaVersion: 2, workers: 2, simulationName: 'shop — checkout',
  services: [{ serviceId: 0, servers: 8, name: 'gateway' }, { serviceId: 1, servers: 32, name: 'db-π' }],
  sources: [{ sourceId: 0, targetServiceId: 0, name: 'web' }, { sourceId: 1, targetServiceId: 1, name: 'batch-é' }],
};

function encodeCatalog(c, { rootExtra = 0, entryExtra = 0, schemaId } = {}) {
  const e = new Encoder().header(TEMPLATE.CATALOG, { schemaId });
  e.i64(c.simulationId).i64(c.tickLengthNs).i64(c.seed).i64(c.startWallTimeNs).u16(c.schemaVersion).u16(c.workers);
  e.endRoot(rootExtra);
  e.u16(6 + entryExtra).u16(c.services.length);
  for (const s of c.services) e.u16(s.serviceId).i32(s.servers).pad(entryExtra).str16(s.name);
  e.u16(4 + entryExtra).u16(c.sources.length);
  for (const l of c.sources) e.u16(l.sourceId).u16(l.targetServiceId).pad(entryExtra).str16(l.name);
  e.str16(c.simulationName);
  return e.buffer();
}

const hist = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const TICK = {
  simulationId: 42, tick: 1234, simTimeNs: 61_750_000_000, tickLengthNs: 50_000_000,
  wallTimeNs: 1_700_000_061_750_000_001,
  services: [
    {
      serviceId: 0, servers: 8, queueDepth: 3, busyServers: 8, arrivals: 410, completed: 400, errors: 5,
      rejected: 7, latencySumNs: 1_234_567_890, meanNs: 3_086_419, p50Ns: 2_500_000, p90Ns: 6_000_000,
      p99Ns: 11_000_000, p999Ns: 19_000_000, maxNs: 25_000_001, busyTimeNs: 301_000_000,
      queueTimeNs: 123_456_789, costNanos: 9_876, histogram: hist(37, 1),
    },
    {
      serviceId: 1, servers: 32, queueDepth: 0, busyServers: -1, arrivals: 2 ** 40, completed: 2 ** 40 - 1,
      errors: 0, rejected: 0, latencySumNs: 9_007_199_254_740_991, meanNs: 1, p50Ns: 2, p90Ns: 3,
      p99Ns: 4, p999Ns: 5, maxNs: 6, busyTimeNs: 0, queueTimeNs: 7, costNanos: 0, histogram: hist(0, 0),
    },
  ],
  entries: [
    {
      sourceId: 0, completed: 399, errors: 5, rejected: 7, latencySumNs: 9_876_543_210, p50Ns: 20_000_000,
      p90Ns: 30_000_000, p99Ns: 40_000_000, p999Ns: 45_000_000, maxNs: 50_000_001, histogram: hist(12, 3),
    },
  ],
};

function encodeTick(t, { rootExtra = 0, entryExtra = 0 } = {}) {
  const e = new Encoder().header(TEMPLATE.TICK_SUMMARY);
  e.i64(t.simulationId).i64(t.tick).i64(t.simTimeNs).i64(t.tickLengthNs).i64(t.wallTimeNs).endRoot(rootExtra);
  e.u16(126 + entryExtra).u16(t.services.length);
  for (const s of t.services) {
    e.u16(s.serviceId).i32(s.servers).i32(s.queueDepth).i32(s.busyServers)
      .i64(s.arrivals).i64(s.completed).i64(s.errors).i64(s.rejected).i64(s.latencySumNs)
      .i64(s.meanNs).i64(s.p50Ns).i64(s.p90Ns).i64(s.p99Ns).i64(s.p999Ns).i64(s.maxNs)
      .i64(s.busyTimeNs).i64(s.queueTimeNs).i64(s.costNanos)
      .pad(entryExtra).data32(s.histogram);
  }
  e.u16(74 + entryExtra).u16(t.entries.length);
  for (const x of t.entries) {
    e.u16(x.sourceId).i64(x.completed).i64(x.errors).i64(x.rejected).i64(x.latencySumNs)
      .i64(x.p50Ns).i64(x.p90Ns).i64(x.p99Ns).i64(x.p999Ns).i64(x.maxNs)
      .pad(entryExtra).data32(x.histogram);
  }
  return e.buffer();
}

function expectedTick(t) {
  const { services, entries, ...root } = t;
  return {
    type: 'tick', version: 2, ...root,
    // A version-2 frame: the version-3 and version-4 fields are absent, null.
    services: services.map(({ histogram, ...s }) => ({
      ...s, timeouts: null, retries: null, storageBytes: null, replicas: null, readyReplicas: null,
      replicaTimeNs: null, readyTimeNs: null, value: null, valueMin: null, valueMax: null, valueSum: null, late: null,
      rateLimited: null, bulkheadRefused: null, breakerRefused: null,
      histogramBytes: histogram,
    })),
    entries: entries.map(({ histogram, ...x }) => ({ ...x, timeouts: null, histogramBytes: histogram })),
  };
}

test('catalog with two services decodes every field', () => {
  const msg = decode(encodeCatalog(CATALOG));
  assert.deepEqual(msg, { type: 'catalog', version: 2, ...CATALOG });
});

test('tick summary with two services decodes every field and the histogram bytes', () => {
  const msg = decode(encodeTick(TICK));
  assert.ok(msg.services[0].histogramBytes instanceof Uint8Array);
  assert.equal(msg.services[0].histogramBytes.length, 37);
  assert.equal(msg.services[1].histogramBytes.length, 0);
  assert.deepEqual(msg, expectedTick(TICK));
});

test('accepts DataView and a Uint8Array that does not start at offset 0', () => {
  const frame = new Uint8Array(encodeTick(TICK));
  const padded = new Uint8Array(frame.length + 13);
  padded.set(frame, 5);
  assert.deepEqual(decode(padded.subarray(5, 5 + frame.length)), expectedTick(TICK));
  assert.deepEqual(decode(new DataView(padded.buffer, 5, frame.length)), expectedTick(TICK));
});

test('honours larger blockLengths of a newer schema version', () => {
  assert.deepEqual(decode(encodeTick(TICK, { rootExtra: 16, entryExtra: 10 })), expectedTick(TICK));
  assert.deepEqual(decode(encodeCatalog(CATALOG, { rootExtra: 4, entryExtra: 8 })),
    { type: 'catalog', version: 2, ...CATALOG });
});

test('a version-1 tick has no time integrals and no entries', () => {
  const e = new Encoder().header(TEMPLATE.TICK_SUMMARY, { version: 1 });
  e.i64(1).i64(2).i64(100).i64(50).i64(7).endRoot();
  e.u16(102).u16(1);
  e.u16(0).i32(4).i32(0).i32(1);
  for (let i = 0; i < 11; i++) e.i64(i);
  e.data32(hist(3, 1));
  const msg = decode(e.buffer());
  assert.equal(msg.version, 1);
  assert.equal(msg.services[0].busyTimeNs, null);
  assert.equal(msg.services[0].queueTimeNs, null);
  assert.equal(msg.services[0].costNanos, null);
  assert.equal(msg.services[0].timeouts, null);
  assert.equal(msg.services[0].storageBytes, null);
  assert.equal(msg.services[0].maxNs, 10);
  assert.deepEqual(msg.entries, []);
});

test('a version-1 catalog has no sources group before the name', () => {
  const e = new Encoder().header(TEMPLATE.CATALOG, { version: 1 });
  e.i64(5).i64(50_000_000).i64(1).i64(2).u16(1).u16(1).endRoot();
  e.u16(6).u16(1).u16(0).i32(4).str16('api');
  e.str16('old-run');
  const msg = decode(e.buffer());
  assert.equal(msg.version, 1);
  assert.deepEqual(msg.sources, []);
  assert.equal(msg.simulationName, 'old-run');
  assert.deepEqual(msg.services, [{ serviceId: 0, servers: 4, name: 'api' }]);
});

test('heartbeat, simulation end and error', () => {
  const hb = new Encoder().header(TEMPLATE.HEARTBEAT).i64(42).i64(99).i64(1_700_000_000_000_000_000).endRoot();
  assert.deepEqual(decode(hb.buffer()),
    { type: 'heartbeat', version: 2, simulationId: 42, lastSequence: 99, wallTimeNs: 1_700_000_000_000_000_000 });

  const end = new Encoder().header(TEMPLATE.SIMULATION_END).i64(42).i64(100).u8(1).endRoot();
  assert.deepEqual(decode(end.buffer()),
    { type: 'end', version: 2, simulationId: 42, lastSequence: 100, reasonCode: 1, reason: 'STOPPED' });

  const err = new Encoder().header(TEMPLATE.ERROR).i64(7).u16(3).endRoot().str16('sequence 5 is gone');
  assert.deepEqual(decode(err.buffer()), {
    type: 'error', version: 2, requestId: 7, code: 3, codeName: 'SEQUENCE_UNAVAILABLE',
    message: 'sequence 5 is gone',
  });
});

test('wrong schema id throws', () => {
  assert.throws(() => decode(encodeCatalog(CATALOG, { schemaId: 1234 })), /wrong schemaId 1234, expected 7477/);
});

test('unknown template id throws', () => {
  const e = new Encoder().header(99).endRoot(8);
  assert.throws(() => decode(e.buffer()), /unknown templateId 99/);
});

test('every truncation of a tick and a catalog throws', () => {
  for (const frame of [new Uint8Array(encodeTick(TICK)), new Uint8Array(encodeCatalog(CATALOG))]) {
    for (let n = 0; n < frame.length; n++) {
      assert.throws(() => decode(frame.slice(0, n)), /truncated/, `prefix of ${n} of ${frame.length} bytes`);
    }
  }
});

test('root blockLength smaller than the schema block throws', () => {
  const e = new Encoder().header(TEMPLATE.HEARTBEAT).i64(1).i64(2).i64(3).endRoot();
  e.set16(0, 16);
  assert.throws(() => decode(e.buffer()), /blockLength 16 is smaller than 24/);
});

test('a version-3 tick carries timeouts, retries and storage per service and timeouts per entry', () => {
  const e = new Encoder().header(TEMPLATE.TICK_SUMMARY, { version: 3 });
  e.i64(9).i64(5).i64(300).i64(50).i64(77).endRoot();
  e.u16(150).u16(1);
  e.u16(3).i32(4).i32(1).i32(2);
  for (let i = 0; i < 14; i++) e.i64(100 + i);   // arrivals .. costNanos
  e.i64(11).i64(12).i64(2 ** 33);                 // timeouts, retries, storageBytes
  e.data32(hist(2, 9));
  e.u16(82).u16(1);
  e.u16(0);
  for (let i = 0; i < 9; i++) e.i64(200 + i);     // completed .. maxNs
  e.i64(6).data32(hist(1, 4));                    // timeouts, histogram
  const msg = decode(e.buffer());
  assert.equal(msg.version, 3);
  const s = msg.services[0];
  assert.deepEqual([s.serviceId, s.busyServers, s.arrivals, s.costNanos], [3, 2, 100, 113]);
  assert.deepEqual([s.timeouts, s.retries, s.storageBytes], [11, 12, 2 ** 33]);
  assert.equal(msg.entries[0].maxNs, 208);
  assert.equal(msg.entries[0].timeouts, 6);
  assert.deepEqual([...msg.entries[0].histogramBytes], [...hist(1, 4)]);
});

test('a version-4 tick carries replicas and observed values per service; a replica event decodes its kind', () => {
  const e = new Encoder().header(TEMPLATE.TICK_SUMMARY, { version: 4 });
  e.i64(9).i64(5).i64(300).i64(50).i64(77).endRoot();
  e.u16(214).u16(1);
  e.u16(3).i32(4).i32(1).i32(2);
  for (let i = 0; i < 17; i++) e.i64(100 + i);   // arrivals .. storageBytes
  e.i32(5).i32(3).i64(250_000_000).i64(150_000_000); // replicas, readyReplicas, replicaTimeNs, readyTimeNs
  e.f64(0.75).f64(0.5).f64(1.25).f64(3.5).i64(2); // value, valueMin, valueMax, valueSum, late
  e.data32(hist(2, 9));
  e.u16(82).u16(0);
  const s = decode(e.buffer()).services[0];
  assert.deepEqual([s.storageBytes, s.replicas, s.readyReplicas, s.replicaTimeNs, s.readyTimeNs],
    [116, 5, 3, 250_000_000, 150_000_000]);
  assert.deepEqual([s.value, s.valueMin, s.valueMax, s.valueSum, s.late], [0.75, 0.5, 1.25, 3.5, 2]);
  // That row (214 bytes) is a v4 row from before the resilience counts: they read as null.
  assert.deepEqual([s.rateLimited, s.bulkheadRefused, s.breakerRefused], [null, null, null]);

  const r = new Encoder().header(TEMPLATE.TICK_SUMMARY, { version: 4 });
  r.i64(9).i64(5).i64(300).i64(50).i64(77).endRoot();
  r.u16(238).u16(1);
  r.u16(3).i32(4).i32(1).i32(2);
  for (let i = 0; i < 17; i++) r.i64(100 + i);
  r.i32(5).i32(3).i64(250_000_000).i64(150_000_000);
  r.f64(0.75).f64(0.5).f64(1.25).f64(3.5).i64(2).i64(21).i64(22).i64(23);
  r.data32(hist(2, 9));
  r.u16(82).u16(0);
  const t = decode(r.buffer()).services[0];
  assert.deepEqual([t.readyTimeNs, t.rateLimited, t.bulkheadRefused, t.breakerRefused], [150_000_000, 21, 22, 23]);

  const breaker = new Encoder().header(TEMPLATE.BREAKER_EVENT, { version: 4 })
    .i64(7).i64(12).i64(612_345_678).u16(0).u16(1).u16(2).u8(0).u8(1).i32(6250).i32(-1).endRoot();
  assert.deepEqual(decode(breaker.buffer()), {
    type: 'breakerEvent', version: 4, simulationId: 7, tick: 12, simTimeNs: 612_345_678, serviceId: 0, call: 1,
    callee: 2, fromStateCode: 0, fromState: 'CLOSED', toStateCode: 1, toState: 'OPEN', failureRate: 6250,
    slowCallRate: -1,
  });

  const event = new Encoder().header(TEMPLATE.REPLICA_EVENT, { version: 4 })
    .i64(7).i64(12).i64(612_345_678).u16(2).i32(9).u8(5).i32(11).endRoot();
  assert.deepEqual(decode(event.buffer()), {
    type: 'replicaEvent', version: 4, simulationId: 7, tick: 12, simTimeNs: 612_345_678, serviceId: 2, replica: 9,
    kindCode: 5, kind: 'REPLACED', detail: 11,
  });
});

test('feed control answers: gap notice, subscribed, unsubscribed, simulation list, pong', () => {
  const gap = new Encoder().header(TEMPLATE.GAP_NOTICE, { version: 3 }).i64(4).i64(100).i64(164).u8(0).endRoot();
  assert.deepEqual(decode(gap.buffer()), {
    type: 'gap', version: 3, simulationId: 4, fromSequence: 100, toSequence: 164, reasonCode: 0, reason: 'CONFLATED',
  });
  const sub = new Encoder().header(TEMPLATE.SUBSCRIBED, { version: 3 }).i64(7).i64(4).i64(10).i64(99).u8(1).endRoot();
  assert.deepEqual(decode(sub.buffer()), {
    type: 'subscribed', version: 3, requestId: 7, simulationId: 4, firstSequence: 10, lastSequence: 99,
    policyCode: 1, policy: 'DISCONNECT',
  });
  const unsub = new Encoder().header(TEMPLATE.UNSUBSCRIBED, { version: 3 }).i64(8).i64(4).i64(-1).endRoot();
  assert.deepEqual(decode(unsub.buffer()),
    { type: 'unsubscribed', version: 3, requestId: 8, simulationId: 4, lastSequence: -1 });
  const list = new Encoder().header(TEMPLATE.SIMULATION_LIST, { version: 3 }).i64(9).endRoot();
  list.u16(25).u16(2);
  list.i64(1).u8(1).i64(199).i64(50_000_000).str16('mm1');
  list.i64(2).u8(0).i64(-1).i64(1_000_000).str16('checkout ✓');
  assert.deepEqual(decode(list.buffer()), {
    type: 'simulationList', version: 3, requestId: 9, simulations: [
      { simulationId: 1, stateCode: 1, state: 'ENDED', lastSequence: 199, tickLengthNs: 50_000_000, name: 'mm1' },
      { simulationId: 2, stateCode: 0, state: 'RUNNING', lastSequence: -1, tickLengthNs: 1_000_000,
        name: 'checkout ✓' },
    ],
  });
  const pong = new Encoder().header(TEMPLATE.PONG, { version: 3 }).i64(10).i64(123_456).i64(1_700_000_000_000)
    .endRoot();
  assert.deepEqual(decode(pong.buffer()),
    { type: 'pong', version: 3, requestId: 10, clientTimeNs: 123_456, serverTimeNs: 1_700_000_000_000 });
});

test('client messages encode byte for byte as the schema lays them out', () => {
  const bytes = (u8) => [...u8];
  const sub = new Encoder().header(TEMPLATE.SUBSCRIBE, { version: SCHEMA_VERSION }).i64(1).i64(4).i64(1000).u8(1).endRoot()
    .str16('gateway,db-π');
  assert.deepEqual(bytes(encodeSubscribe({
    requestId: 1, simulationId: 4, fromSequence: 1000, policy: 'DISCONNECT', services: ['gateway', 'db-π'],
  })), bytes(new Uint8Array(sub.buffer())));
  const latest = new Encoder().header(TEMPLATE.SUBSCRIBE, { version: SCHEMA_VERSION }).i64(2).i64(0).i64(-1).u8(0).endRoot()
    .str16('');
  assert.deepEqual(bytes(encodeSubscribe({ requestId: 2 })), bytes(new Uint8Array(latest.buffer())));
  const unsub = new Encoder().header(TEMPLATE.UNSUBSCRIBE, { version: SCHEMA_VERSION }).i64(3).i64(4).endRoot();
  assert.deepEqual(bytes(encodeUnsubscribe({ requestId: 3, simulationId: 4 })), bytes(new Uint8Array(unsub.buffer())));
  const list = new Encoder().header(TEMPLATE.LIST_SIMULATIONS, { version: SCHEMA_VERSION }).i64(4).endRoot();
  assert.deepEqual(bytes(encodeListSimulations({ requestId: 4 })), bytes(new Uint8Array(list.buffer())));
  const ping = new Encoder().header(TEMPLATE.PING, { version: SCHEMA_VERSION }).i64(5).i64(2n ** 62n).endRoot();
  assert.deepEqual(bytes(encodePing({ requestId: 5, clientTimeNs: 2n ** 62n })), bytes(new Uint8Array(ping.buffer())));
});

test('the control plane\'s events decode: a scale decision with its metrics, a fault, a live edit', () => {
  const scale = new Encoder().header(TEMPLATE.SCALE_DECISION, { version: 4 })
    .i64(7).i64(300).i64(15_000_000_000).u16(1).u8(0).u8(3).i32(2).i32(4).i32(5).i32(5).i32(2).i64(0).i64(299).i16(0)
    .endRoot();
  scale.u16(30).u16(1).u8(0).u8(0).f64(0.8).f64(0.5).f64(1.6).i32(4);
  scale.str16('utilization 80% (target 50%) above target');
  assert.deepEqual(decode(scale.buffer()), {
    type: 'scaleDecision', version: 4, simulationId: 7, tick: 300, simTimeNs: 15_000_000_000, serviceId: 1,
    algorithmCode: 0, algorithm: 'HPA', limitedByCode: 3, limitedBy: 'SCALE_UP_POLICY', fromReplicas: 2,
    toReplicas: 4, recommendedReplicas: 5, stabilizedReplicas: 5, readyReplicas: 2, windowFirstTick: 0,
    windowLastTick: 299, decidingMetric: 0,
    metrics: [{
      metricCode: 0, metric: 'UTILIZATION', targetTypeCode: 0, targetType: 'UTILIZATION', value: 0.8, target: 0.5,
      ratio: 1.6, proposal: 4,
    }],
    reason: 'utilization 80% (target 50%) above target',
  });
  const fault = new Encoder().header(TEMPLATE.FAULT_EVENT, { version: 4 })
    .i64(7).i64(60).i64(3_000_000_000).i32(0).u8(1).u8(3).u8(1).i32(0).i32(1).i32(-1).i32(0).f64(1).i64(0).f64(0)
    .u8(2).i64(500_000_000).endRoot().str16('partition api <-> worker');
  const f = decode(fault.buffer());
  assert.equal(f.type, 'faultEvent');
  assert.deepEqual([f.phase, f.kind, f.origin, f.serviceId, f.peerServiceId, f.sourceId, f.mode, f.durationNs],
    ['ENDED', 'PARTITION', 'LIVE', 0, 1, -1, 2, 500_000_000]);
  assert.equal(f.description, 'partition api <-> worker');
  const body = new TextEncoder().encode('{"tick":"10ms"}');
  const edit = new Encoder().header(TEMPLATE.LIVE_EDIT_APPLIED, { version: 4 })
    .i64(7).i64(12).i64(600_000_000).i32(1).u8(0).endRoot().data32(body);
  const d = decode(edit.buffer());
  assert.deepEqual([d.type, d.tick, d.editId, d.kind], ['liveEditApplied', 12, 1, 'PATCH']);
  assert.equal(new TextDecoder().decode(d.body), '{"tick":"10ms"}');
  assert.ok(isEvent(d) && isEvent(f) && !isEvent({ type: 'tick' }));
});

test('a version-2 Subscribe has no policy and no service filter', () => {
  const e = new Encoder().header(TEMPLATE.SUBSCRIBE, { version: 2 }).i64(1).i64(0).i64(-1).endRoot();
  assert.deepEqual(decode(e.buffer()), {
    type: 'subscribe', version: 2, requestId: 1, simulationId: 0, fromSequence: -1, policyCode: null, policy: null,
    services: '',
  });
});

test('encode refuses a missing field and an enum name the schema does not have', () => {
  assert.throws(() => encode('unsubscribe', { requestId: 1 }), /Unsubscribe.simulationId is missing/);
  assert.throws(() => encodeSubscribe({ requestId: 1, policy: 'DROP' }), /DROP is not a ConflationPolicy/);
});

test('an alert event decodes, with its rule\'s name, and is an event', () => {
  const alert = new Encoder().header(TEMPLATE.ALERT_EVENT, { version: 4 })
    .i64(7).i64(59).i64(3_000_000_000).u16(1).u8(1).u8(2).f64(0.95).i64(2_000_000_000).i32(3)
    .endRoot().str16('CheckoutSlow');
  const a = decode(alert.buffer());
  assert.deepEqual([a.type, a.tick, a.simTimeNs, a.rule, a.fromState, a.toState, a.value, a.activeSinceNs,
    a.serviceId, a.name], ['alertEvent', 59, 3_000_000_000, 1, 'PENDING', 'FIRING', 0.95, 2_000_000_000, 3,
    'CheckoutSlow']);
  assert.ok(isEvent(a));
});
