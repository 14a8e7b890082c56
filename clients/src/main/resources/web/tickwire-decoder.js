// Tickwire SBE codec for the browser and Node 20. Plain ES module, no dependencies.
//
// The wire contract is codec/src/main/resources/sbe/tickwire-schema.xml: little-endian, every message is the
// 8-byte messageHeader {blockLength, templateId, schemaId, version} (all uint16) followed by the root block.
// Fixed fields sit in declaration order without padding. Groups start with groupSizeEncoding
// {blockLength uint16, numInGroup uint16}; var data is {length uint16 (text) | uint32 (bytes), bytes}, after a
// block's fixed fields and groups. Root and group entries are stepped over by the blockLength on the wire, not by
// the sizes below, so frames from newer schema versions (fields appended to a block) stay readable; fields newer
// than a frame's version (its header's `version`, the acting version) decode as null, groups and data as empty.
//
// MESSAGES below is the layout: decode() and encode() are driven by it, and test/js/schema.test.mjs checks it
// against the schema XML (template ids, block lengths, every field's offset, type and sinceVersion).

export const SCHEMA_ID = 7477;
export const SCHEMA_VERSION = 4;
const HEADER_LENGTH = 8;
const GROUP_HEADER_LENGTH = 4;

export const ENUMS = Object.freeze({
  EndReason: Object.freeze({ 0: 'COMPLETED', 1: 'STOPPED', 2: 'FAILED', 3: 'DISK_FULL', 4: 'OVERLOADED' }),
  GapReason: Object.freeze({ 0: 'CONFLATED' }),
  ConflationPolicy: Object.freeze({ 0: 'CONFLATE', 1: 'DISCONNECT' }),
  SimulationState: Object.freeze({ 0: 'RUNNING', 1: 'ENDED', 2: 'FAILED' }),
  ErrorCode: Object.freeze({
    1: 'UNKNOWN_SIMULATION', 2: 'BAD_REQUEST', 3: 'SEQUENCE_UNAVAILABLE', 4: 'INTERNAL', 5: 'NOT_SUBSCRIBED',
    6: 'UNKNOWN_SERVICE', 7: 'TOO_MANY_SUBSCRIPTIONS',
  }),
  ReplicaEventKind: Object.freeze({
    1: 'STARTING', 2: 'READY', 3: 'CRASHED', 4: 'UNHEALTHY', 5: 'REPLACED', 6: 'DRAINING', 7: 'REMOVED',
    8: 'KILLED_AFTER_GRACE',
  }),
  BreakerState: Object.freeze({ 0: 'CLOSED', 1: 'OPEN', 2: 'HALF_OPEN' }),
  AlertState: Object.freeze({ 0: 'INACTIVE', 1: 'PENDING', 2: 'FIRING' }),
  MetricKind: Object.freeze({ 0: 'GAUGE', 1: 'COUNTER', 2: 'LATENCY', 3: 'HISTOGRAM', 4: 'SUMMARY' }),
  // The control plane's events (operations, 12b).
  ScaleAlgorithm: Object.freeze({ 0: 'HPA', 1: 'THRESHOLD' }),
  ScaleLimit: Object.freeze({
    0: 'NONE', 1: 'MIN_REPLICAS', 2: 'MAX_REPLICAS', 3: 'SCALE_UP_POLICY', 4: 'SCALE_DOWN_POLICY', 5: 'STEP',
  }),
  ScaleMetric: Object.freeze({
    0: 'UTILIZATION', 1: 'RPS', 2: 'IN_FLIGHT', 3: 'QUEUE_DEPTH', 4: 'P95', 5: 'P99', 6: 'ERROR_RATE',
  }),
  TargetType: Object.freeze({ 0: 'UTILIZATION', 1: 'AVERAGE_VALUE', 2: 'VALUE' }),
  FaultKind: Object.freeze({
    0: 'CRASH', 1: 'LATENCY', 2: 'ERRORS', 3: 'PARTITION', 4: 'LOAD_SPIKE', 5: 'DATABASE_SLOW', 6: 'DATABASE_DOWN',
  }),
  FaultPhase: Object.freeze({ 0: 'STARTED', 1: 'ENDED' }),
  ControlOrigin: Object.freeze({ 0: 'DIAGRAM', 1: 'LIVE' }),
  EditKind: Object.freeze({ 0: 'PATCH', 1: 'FAULT_ADD', 2: 'FAULT_END' }),
});
export const END_REASON = Object.freeze(Object.values(ENUMS.EndReason));
export const ERROR_CODE = ENUMS.ErrorCode;

const SIZE = Object.freeze({ int64: 8, uint8: 1, uint16: 2, int16: 2, int32: 4, uint32: 4, double: 8 });

/** A fixed field: name, offset in its block, primitive type; since = sinceVersion; enum fields name their enum. */
const f = (name, offset, type, opts = {}) => Object.freeze({ name, offset, type, since: 0, ...opts });
/** An enum field: decoded to `as` (its name) and `raw` (its number). */
const e = (name, offset, type, enumName, opts = {}) =>
  f(name, offset, type, { enum: enumName, as: name, raw: `${name}Code`, ...opts });
/** A var-data field: `string` (varStringEncoding, uint16 length) or `bytes` (varDataEncoding, uint32 length). */
const d = (name, kind, opts = {}) => Object.freeze({ name, kind, since: 0, as: name, ...opts });
const block = (fields) => fields.reduce((end, x) => Math.max(end, x.offset + SIZE[x.type]), 0);

const message = (name, templateId, type, fields, { groups = [], data = [] } = {}) =>
  Object.freeze({ name, templateId, type, blockLength: block(fields), fields, groups, data });
const group = (name, fields, { since = 0, data = [] } = {}) =>
  Object.freeze({ name, since, blockLength: block(fields), fields, data });

const TICK_SERVICE_FIELDS = [
  f('serviceId', 0, 'uint16'), f('servers', 2, 'int32'), f('queueDepth', 6, 'int32'), f('busyServers', 10, 'int32'),
  f('arrivals', 14, 'int64'), f('completed', 22, 'int64'), f('errors', 30, 'int64'), f('rejected', 38, 'int64'),
  f('latencySumNs', 46, 'int64'), f('meanNs', 54, 'int64'), f('p50Ns', 62, 'int64'), f('p90Ns', 70, 'int64'),
  f('p99Ns', 78, 'int64'), f('p999Ns', 86, 'int64'), f('maxNs', 94, 'int64'),
  // Time integrals over the tick (server-ns, request-ns) and cost (billionths of the currency unit), since v2.
  f('busyTimeNs', 102, 'int64', { since: 2 }), f('queueTimeNs', 110, 'int64', { since: 2 }),
  f('costNanos', 118, 'int64', { since: 2 }),
  f('timeouts', 126, 'int64', { since: 3 }), f('retries', 134, 'int64', { since: 3 }),
  f('storageBytes', 142, 'int64', { since: 3 }),
  // Replicas as entities, since v4: provisioned and READY at tick end, and their integrals over the tick (replica-ns).
  f('replicas', 150, 'int32', { since: 4 }), f('readyReplicas', 154, 'int32', { since: 4 }),
  f('replicaTimeNs', 158, 'int64', { since: 4 }), f('readyTimeNs', 166, 'int64', { since: 4 }),
  // An observed run's series (v4): latest, min, max, sum of values (a counter's increase), late samples.
  f('value', 174, 'double', { since: 4 }), f('valueMin', 182, 'double', { since: 4 }),
  f('valueMax', 190, 'double', { since: 4 }), f('valueSum', 198, 'double', { since: 4 }),
  f('late', 206, 'int64', { since: 4 }),
  // Resilience, since v4: requests rate limiters refused, calls bulkheads and circuit breakers refused. `late`: added
  // within v4, so a v4 row written before them (blockLength 214) lacks them; they then decode as null.
  f('rateLimited', 214, 'int64', { since: 4, late: true }),
  f('bulkheadRefused', 222, 'int64', { since: 4, late: true }),
  f('breakerRefused', 230, 'int64', { since: 4, late: true }),
];
const TICK_ENTRY_FIELDS = [
  f('sourceId', 0, 'uint16'), f('completed', 2, 'int64'), f('errors', 10, 'int64'), f('rejected', 18, 'int64'),
  f('latencySumNs', 26, 'int64'), f('p50Ns', 34, 'int64'), f('p90Ns', 42, 'int64'), f('p99Ns', 50, 'int64'),
  f('p999Ns', 58, 'int64'), f('maxNs', 66, 'int64'), f('timeouts', 74, 'int64', { since: 3 }),
];

/** Every feed message of the schema (the engine-internal ones, templates 1 to 4, 60, 61, 80 and 82, are not on
 * the feed). */
export const MESSAGES = Object.freeze({
  TickSummary: message('TickSummary', 10, 'tick', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('tickLengthNs', 24, 'int64'),
    f('wallTimeNs', 32, 'int64'),
  ], {
    groups: [
      group('services', TICK_SERVICE_FIELDS, { data: [d('histogram', 'bytes', { as: 'histogramBytes' })] }),
      group('entries', TICK_ENTRY_FIELDS, { since: 2, data: [d('histogram', 'bytes', { as: 'histogramBytes' })] }),
    ],
  }),
  ReplicaEvent: message('ReplicaEvent', 62, 'replicaEvent', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('serviceId', 24, 'uint16'),
    f('replica', 26, 'int32'), e('kind', 30, 'uint8', 'ReplicaEventKind'), f('detail', 31, 'int32'),
  ]),
  // Events (v4): each follows its tick, and starts simulationId, tick, simTimeNs.
  ScaleDecision: message('ScaleDecision', 65, 'scaleDecision', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('serviceId', 24, 'uint16'),
    e('algorithm', 26, 'uint8', 'ScaleAlgorithm'), e('limitedBy', 27, 'uint8', 'ScaleLimit'),
    f('fromReplicas', 28, 'int32'), f('toReplicas', 32, 'int32'), f('recommendedReplicas', 36, 'int32'),
    f('stabilizedReplicas', 40, 'int32'), f('readyReplicas', 44, 'int32'), f('windowFirstTick', 48, 'int64'),
    f('windowLastTick', 56, 'int64'), f('decidingMetric', 64, 'int16'),
  ], {
    groups: [group('metrics', [
      e('metric', 0, 'uint8', 'ScaleMetric'), e('targetType', 1, 'uint8', 'TargetType'), f('value', 2, 'double'),
      f('target', 10, 'double'), f('ratio', 18, 'double'), f('proposal', 26, 'int32'),
    ])],
    data: [d('reason', 'string')],
  }),
  FaultEvent: message('FaultEvent', 66, 'faultEvent', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('faultId', 24, 'int32'),
    e('phase', 28, 'uint8', 'FaultPhase'), e('kind', 29, 'uint8', 'FaultKind'), e('origin', 30, 'uint8', 'ControlOrigin'),
    f('serviceId', 31, 'int32'), f('peerServiceId', 35, 'int32'), f('sourceId', 39, 'int32'), f('count', 43, 'int32'),
    f('factor', 47, 'double'), f('addedNs', 55, 'int64'), f('rate', 63, 'double'), f('mode', 71, 'uint8'),
    f('durationNs', 72, 'int64'),
  ], { data: [d('description', 'string')] }),
  LiveEditApplied: message('LiveEditApplied', 67, 'liveEditApplied', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('editId', 24, 'int32'),
    e('kind', 28, 'uint8', 'EditKind'),
  ], { data: [d('body', 'bytes')] }),
  BreakerEvent: message('BreakerEvent', 81, 'breakerEvent', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('serviceId', 24, 'uint16'),
    f('call', 26, 'uint16'), f('callee', 28, 'uint16'), e('fromState', 30, 'uint8', 'BreakerState'),
    e('toState', 31, 'uint8', 'BreakerState'), f('failureRate', 32, 'int32'), f('slowCallRate', 36, 'int32'),
  ]),
  AlertEvent: message('AlertEvent', 83, 'alertEvent', [
    f('simulationId', 0, 'int64'), f('tick', 8, 'int64'), f('simTimeNs', 16, 'int64'), f('rule', 24, 'uint16'),
    e('fromState', 26, 'uint8', 'AlertState'), e('toState', 27, 'uint8', 'AlertState'), f('value', 28, 'double'),
    f('activeSinceNs', 36, 'int64'), f('serviceId', 44, 'int32'),
  ], { data: [d('name', 'string')] }),
  Catalog: message('Catalog', 20, 'catalog', [
    f('simulationId', 0, 'int64'), f('tickLengthNs', 8, 'int64'), f('seed', 16, 'int64'),
    f('startWallTimeNs', 24, 'int64'), f('schemaVersion', 32, 'uint16'), f('workers', 34, 'uint16'),
  ], {
    groups: [
      group('services', [f('serviceId', 0, 'uint16'), f('servers', 2, 'int32')], { data: [d('name', 'string')] }),
      group('sources', [f('sourceId', 0, 'uint16'), f('targetServiceId', 2, 'uint16')],
        { since: 2, data: [d('name', 'string')] }),
    ],
    data: [d('simulationName', 'string')],
  }),
  CatalogUpdate: message('CatalogUpdate', 71, 'catalogUpdate', [
    f('simulationId', 0, 'int64'), f('fromTick', 8, 'int64'),
  ], {
    groups: [group('series', [f('serviceId', 0, 'uint16'), e('kind', 2, 'uint8', 'MetricKind')], {
      data: [d('name', 'string'), d('source', 'string'), d('metric', 'string'), d('labels', 'string'),
        d('unit', 'string')],
    })],
  }),
  Heartbeat: message('Heartbeat', 30, 'heartbeat', [
    f('simulationId', 0, 'int64'), f('lastSequence', 8, 'int64'), f('wallTimeNs', 16, 'int64'),
  ]),
  SimulationEnd: message('SimulationEnd', 31, 'end', [
    f('simulationId', 0, 'int64'), f('lastSequence', 8, 'int64'), e('reason', 16, 'uint8', 'EndReason'),
  ]),
  GapNotice: message('GapNotice', 32, 'gap', [
    f('simulationId', 0, 'int64'), f('fromSequence', 8, 'int64'), f('toSequence', 16, 'int64'),
    e('reason', 24, 'uint8', 'GapReason'),
  ]),
  Subscribe: message('Subscribe', 40, 'subscribe', [
    f('requestId', 0, 'int64'), f('simulationId', 8, 'int64'), f('fromSequence', 16, 'int64'),
    e('policy', 24, 'uint8', 'ConflationPolicy', { since: 3 }),
  ], { data: [d('services', 'string', { since: 3 })] }),
  Unsubscribe: message('Unsubscribe', 41, 'unsubscribe', [f('requestId', 0, 'int64'), f('simulationId', 8, 'int64')]),
  ListSimulations: message('ListSimulations', 42, 'listSimulations', [f('requestId', 0, 'int64')]),
  Ping: message('Ping', 43, 'ping', [f('requestId', 0, 'int64'), f('clientTimeNs', 8, 'int64')]),
  Subscribed: message('Subscribed', 44, 'subscribed', [
    f('requestId', 0, 'int64'), f('simulationId', 8, 'int64'), f('firstSequence', 16, 'int64'),
    f('lastSequence', 24, 'int64'), e('policy', 32, 'uint8', 'ConflationPolicy'),
  ]),
  Unsubscribed: message('Unsubscribed', 45, 'unsubscribed', [
    f('requestId', 0, 'int64'), f('simulationId', 8, 'int64'), f('lastSequence', 16, 'int64'),
  ]),
  SimulationList: message('SimulationList', 46, 'simulationList', [f('requestId', 0, 'int64')], {
    groups: [group('simulations', [
      f('simulationId', 0, 'int64'), e('state', 8, 'uint8', 'SimulationState'), f('lastSequence', 9, 'int64'),
      f('tickLengthNs', 17, 'int64'),
    ], { data: [d('name', 'string')] })],
  }),
  Pong: message('Pong', 47, 'pong', [
    f('requestId', 0, 'int64'), f('clientTimeNs', 8, 'int64'), f('serverTimeNs', 16, 'int64'),
  ]),
  Error: message('Error', 50, 'error', [
    f('requestId', 0, 'int64'), e('code', 8, 'uint16', 'ErrorCode', { as: 'codeName', raw: 'code' }),
  ], { data: [d('message', 'string')] }),
});

export const TEMPLATE = Object.freeze(Object.fromEntries(Object.values(MESSAGES).map((m) => [
  m.name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), m.templateId])));
const BY_TEMPLATE = new Map(Object.values(MESSAGES).map((m) => [m.templateId, m]));
const BY_TYPE = new Map(Object.values(MESSAGES).map((m) => [m.type, m]));

/** Bytes of a block's fields that a frame of `version` must hold. */
const required = (fields, version) => block(fields.filter((x) => x.since <= version && !x.late));

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** A bounds-checked little-endian reader over one frame. */
class Reader {
  constructor(view, messageName) {
    this.view = view;
    this.name = messageName;
  }

  need(offset, length, what) {
    if (offset + length > this.view.byteLength) {
      throw new Error(`tickwire: truncated ${this.name}: ${what} needs bytes ${offset}..${offset + length}` +
        ` but the frame has ${this.view.byteLength}`);
    }
  }

  read(type, o) {
    const v = this.view;
    switch (type) {
      case 'int64': return Number(v.getBigInt64(o, true));
      case 'uint8': return v.getUint8(o);
      case 'uint16': return v.getUint16(o, true);
      case 'int16': return v.getInt16(o, true);
      case 'int32': return v.getInt32(o, true);
      case 'uint32': return v.getUint32(o, true);
      case 'double': return v.getFloat64(o, true);
      default: throw new Error(`tickwire: no reader for ${type}`);
    }
  }

  /** Checks a block's declared length against the fields of its version, and that it is present. */
  block(offset, blockLength, minLength, what) {
    if (blockLength < minLength) {
      throw new Error(`tickwire: ${this.name} ${what} blockLength ${blockLength} is smaller than ${minLength}`);
    }
    this.need(offset, blockLength, what);
  }

  /** Reads the fields of one block at `base` (of `length` bytes) into `out`. */
  fields(fields, base, version, out, length = Infinity) {
    for (const x of fields) {
      if (x.since > version || x.offset + SIZE[x.type] > length) {
        if (x.enum) {
          out[x.raw] = null;
          out[x.as] = null;
        } else {
          out[x.name] = null;
        }
        continue;
      }
      const value = this.read(x.type, base + x.offset);
      if (x.enum) {
        out[x.raw] = value;
        out[x.as] = ENUMS[x.enum][value] ?? `UNKNOWN(${value})`;
      } else {
        out[x.name] = value;
      }
    }
  }

  /** Reads var data at `offset` into out[spec.as]; returns the next offset. */
  data(spec, offset, version, out, what) {
    if (spec.since > version) {
      out[spec.as] = spec.kind === 'string' ? '' : new Uint8Array(0);
      return offset;
    }
    const lengthBytes = spec.kind === 'string' ? 2 : 4;
    this.need(offset, lengthBytes, `${what} length`);
    const length = spec.kind === 'string' ? this.view.getUint16(offset, true) : this.view.getUint32(offset, true);
    this.need(offset + lengthBytes, length, what);
    // Bytes are a view on the frame, not a copy.
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + offset + lengthBytes, length);
    out[spec.as] = spec.kind === 'string' ? utf8Decoder.decode(bytes) : bytes;
    return offset + lengthBytes + length;
  }
}

function toDataView(input) {
  if (input instanceof DataView) return input;
  if (input instanceof ArrayBuffer) return new DataView(input);
  if (ArrayBuffer.isView(input)) return new DataView(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('tickwire: decode() takes an ArrayBuffer, DataView or Uint8Array');
}

/**
 * Decodes one SBE frame: any message of MESSAGES.
 * @param {ArrayBuffer|DataView|Uint8Array} input
 * @returns {{type: string, version: number}} a plain object with the message's fields; `type` is MESSAGES[..].type:
 *   'tick', 'catalog', 'heartbeat', 'end', 'gap', 'subscribed', 'unsubscribed', 'simulationList', 'pong', 'error',
 *   the events 'replicaEvent', 'scaleDecision', 'faultEvent', 'liveEditApplied' (server to client) or 'subscribe',
 *   'unsubscribe', 'listSimulations', 'ping' (client to server)
 * @throws {Error} on a wrong schema id, an unknown template id or a truncated frame
 */
export function decode(input) {
  const view = toDataView(input);
  if (view.byteLength < HEADER_LENGTH) {
    throw new Error(`tickwire: truncated frame: ${view.byteLength} bytes, the message header needs ${HEADER_LENGTH}`);
  }
  const blockLength = view.getUint16(0, true);
  const templateId = view.getUint16(2, true);
  const schemaId = view.getUint16(4, true);
  const version = view.getUint16(6, true);
  if (schemaId !== SCHEMA_ID) {
    throw new Error(`tickwire: wrong schemaId ${schemaId}, expected ${SCHEMA_ID}`);
  }
  const m = BY_TEMPLATE.get(templateId);
  if (!m) {
    throw new Error(`tickwire: unknown templateId ${templateId}`);
  }
  const r = new Reader(view, m.name);
  r.block(HEADER_LENGTH, blockLength, required(m.fields, version), 'root block');
  const msg = { type: m.type, version };
  r.fields(m.fields, HEADER_LENGTH, version, msg);
  let p = HEADER_LENGTH + blockLength;
  for (const g of m.groups) {
    const entries = [];
    msg[g.name] = entries;
    if (g.since > version) continue;
    r.need(p, GROUP_HEADER_LENGTH, `${g.name} group header`);
    const entryLength = view.getUint16(p, true);
    const count = view.getUint16(p + 2, true);
    const min = required(g.fields, version);
    if (count > 0 && entryLength < min) {
      throw new Error(`tickwire: ${m.name} ${g.name} entry blockLength ${entryLength} is smaller than ${min}`);
    }
    p += GROUP_HEADER_LENGTH;
    for (let i = 0; i < count; i++) {
      r.need(p, entryLength, `${g.name}[${i}]`);
      const entry = {};
      r.fields(g.fields, p, version, entry, entryLength);
      p += entryLength;
      for (const x of g.data) p = r.data(x, p, version, entry, `${g.name}[${i}].${x.name}`);
      entries.push(entry);
    }
  }
  for (const x of m.data) p = r.data(x, p, version, msg, x.name);
  return msg;
}

/** A little-endian writer that grows. */
class Writer {
  constructor() {
    this.bytes = new Uint8Array(64);
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
  }

  reserve(n) {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  write(type, value, at = this.length) {
    const v = this.view;
    switch (type) {
      case 'int64': v.setBigInt64(at, BigInt(value), true); break;
      case 'uint8': v.setUint8(at, value); break;
      case 'uint16': v.setUint16(at, value, true); break;
      case 'int16': v.setInt16(at, value, true); break;
      case 'int32': v.setInt32(at, value, true); break;
      case 'uint32': v.setUint32(at, value, true); break;
      case 'double': v.setFloat64(at, value, true); break;
      default: throw new Error(`tickwire: no writer for ${type}`);
    }
  }

  /** Appends a zeroed block of `length` bytes and writes `fields` of `values` into it. */
  block(fields, length, values, what) {
    this.reserve(length);
    const base = this.length;
    this.bytes.fill(0, base, base + length);
    this.length += length;
    for (const x of fields) {
      let value = x.enum ? values[x.as] ?? values[x.raw] : values[x.name];
      if (value === undefined || value === null) {
        throw new Error(`tickwire: ${what}.${x.name} is missing`);
      }
      if (x.enum && typeof value === 'string') {
        const code = Object.entries(ENUMS[x.enum]).find(([, n]) => n === value.toUpperCase());
        if (!code) throw new Error(`tickwire: ${what}.${x.name}: ${value} is not a ${x.enum}`);
        value = Number(code[0]);
      }
      this.write(x.type, value, base + x.offset);
    }
  }

  data(spec, value, what) {
    let bytes;
    if (spec.kind === 'string') {
      bytes = utf8Encoder.encode(value ?? '');
      if (bytes.length > 0xffff) throw new Error(`tickwire: ${what} is longer than 65535 bytes`);
    } else {
      bytes = value ?? new Uint8Array(0);
    }
    const lengthBytes = spec.kind === 'string' ? 2 : 4;
    this.reserve(lengthBytes + bytes.length);
    this.write(spec.kind === 'string' ? 'uint16' : 'uint32', bytes.length);
    this.length += lengthBytes;
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  result() {
    return this.bytes.slice(0, this.length);
  }
}

/**
 * Encodes one message of the current schema version from a plain object shaped as decode() returns it (enum
 * fields by name or number, 64-bit fields as number or BigInt).
 * @param {string} type a MESSAGES[..].type, e.g. 'subscribe'
 * @returns {Uint8Array} one frame
 */
export function encode(type, msg) {
  const m = BY_TYPE.get(type);
  if (!m) throw new Error(`tickwire: no message of type ${type}`);
  const w = new Writer();
  w.reserve(HEADER_LENGTH);
  w.write('uint16', m.blockLength, 0);
  w.write('uint16', m.templateId, 2);
  w.write('uint16', SCHEMA_ID, 4);
  w.write('uint16', SCHEMA_VERSION, 6);
  w.length = HEADER_LENGTH;
  w.block(m.fields, m.blockLength, msg, m.name);
  for (const g of m.groups) {
    const entries = msg[g.name] ?? [];
    w.reserve(GROUP_HEADER_LENGTH);
    w.write('uint16', g.blockLength);
    w.write('uint16', entries.length, w.length + 2);
    w.length += GROUP_HEADER_LENGTH;
    entries.forEach((entry, i) => {
      w.block(g.fields, g.blockLength, entry, `${m.name}.${g.name}[${i}]`);
      for (const x of g.data) w.data(x, entry[x.as], `${g.name}[${i}].${x.name}`);
    });
  }
  for (const x of m.data) w.data(x, msg[x.as], x.name);
  return w.result();
}

/**
 * A Subscribe: simulationId 0 = the latest; fromSequence -1 = the latest tick then live, N = every tick from N;
 * services: names (array or comma-separated), empty for all; policy 'CONFLATE' (default) or 'DISCONNECT'.
 */
export function encodeSubscribe({ requestId, simulationId = 0, fromSequence = -1, policy = 'CONFLATE',
  services = '' }) {
  return encode('subscribe', {
    requestId, simulationId, fromSequence, policy, services: Array.isArray(services) ? services.join(',') : services,
  });
}

export function encodeUnsubscribe({ requestId, simulationId }) {
  return encode('unsubscribe', { requestId, simulationId });
}

export function encodeListSimulations({ requestId }) {
  return encode('listSimulations', { requestId });
}

/** A Ping; clientTimeNs is echoed by the Pong (default: performance.now() in ns). */
export function encodePing({ requestId, clientTimeNs = Math.round(performance.now() * 1e6) }) {
  return encode('ping', { requestId, clientTimeNs });
}

/** The decoded message types that are events: they follow their tick, and carry `tick` and `simTimeNs`. */
export const EVENT_TYPES = Object.freeze(new Set(['replicaEvent', 'scaleDecision', 'faultEvent', 'liveEditApplied',
  'breakerEvent', 'alertEvent']));

/** Whether a decoded message is an event of the audit trail. */
export function isEvent(msg) {
  return EVENT_TYPES.has(msg.type);
}
