// Tickwire SBE decoder for the browser and Node 20. Plain ES module, no dependencies.
//
// The wire contract is codec/src/main/resources/sbe/tickwire-schema.xml: little-endian, every message is the
// 8-byte messageHeader {blockLength, templateId, schemaId, version} (all uint16) followed by the root block.
// Fixed fields sit in declaration order without padding. Groups start with groupSizeEncoding
// {blockLength uint16, numInGroup uint16}; var data is {length uint16 | uint32, bytes}.
// Root and group entries are skipped by the blockLength on the wire, not by the sizes below, so frames from
// newer schema versions (fields appended to a block) stay readable.

export const SCHEMA_ID = 7477;
export const SCHEMA_VERSION = 3;

export const TEMPLATE = Object.freeze({
  TICK_SUMMARY: 10,
  CATALOG: 20,
  HEARTBEAT: 30,
  SIMULATION_END: 31,
  ERROR: 50,
});

export const END_REASON = Object.freeze(['COMPLETED', 'STOPPED', 'FAILED']);
export const ERROR_CODE = Object.freeze({
  1: 'UNKNOWN_SIMULATION',
  2: 'BAD_REQUEST',
  3: 'SEQUENCE_UNAVAILABLE',
  4: 'INTERNAL',
});

const HEADER_LENGTH = 8;
const GROUP_HEADER_LENGTH = 4;

// Minimum block lengths of schema version 1 (sum of the field sizes); version 2 adds to some, gated by version.
const TICK_SUMMARY_BLOCK = 40;
const TICK_SERVICE_BLOCK = 102; // version 1; version 2 adds 24 bytes
const CATALOG_BLOCK = 36;
const CATALOG_SERVICE_BLOCK = 6;
const CATALOG_SOURCE_BLOCK = 4;
const TICK_ENTRY_BLOCK = 74;
const HEARTBEAT_BLOCK = 24;
const SIMULATION_END_BLOCK = 17;
const ERROR_BLOCK = 10;

const utf8 = new TextDecoder('utf-8');

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

  u8(o) { return this.view.getUint8(o); }
  u16(o) { return this.view.getUint16(o, true); }
  u32(o) { return this.view.getUint32(o, true); }
  i32(o) { return this.view.getInt32(o, true); }
  i64(o) { return Number(this.view.getBigInt64(o, true)); }

  /** Checks a block's declared length against the fields this decoder reads, and that it is present. */
  block(offset, blockLength, minLength, what) {
    if (blockLength < minLength) {
      throw new Error(`tickwire: ${this.name} ${what} blockLength ${blockLength} is smaller than ${minLength}`);
    }
    this.need(offset, blockLength, what);
  }

  /** Reads a group header; returns {blockLength, count, next}. */
  group(offset, minLength, what) {
    this.need(offset, GROUP_HEADER_LENGTH, `${what} group header`);
    const blockLength = this.u16(offset);
    const count = this.u16(offset + 2);
    if (count > 0 && blockLength < minLength) {
      throw new Error(`tickwire: ${this.name} ${what} entry blockLength ${blockLength} is smaller than ${minLength}`);
    }
    return { blockLength, count, next: offset + GROUP_HEADER_LENGTH };
  }

  /** Reads varStringEncoding (uint16 length); returns {value, next}. */
  string(offset, what) {
    this.need(offset, 2, `${what} length`);
    const length = this.u16(offset);
    this.need(offset + 2, length, what);
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + offset + 2, length);
    return { value: utf8.decode(bytes), next: offset + 2 + length };
  }

  /** Reads varDataEncoding (uint32 length) as a view on the frame, not a copy; returns {value, next}. */
  bytes(offset, what) {
    this.need(offset, 4, `${what} length`);
    const length = this.u32(offset);
    this.need(offset + 4, length, what);
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + offset + 4, length);
    return { value: bytes, next: offset + 4 + length };
  }
}

function toDataView(input) {
  if (input instanceof DataView) return input;
  if (input instanceof ArrayBuffer) return new DataView(input);
  if (ArrayBuffer.isView(input)) return new DataView(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('tickwire: decode() takes an ArrayBuffer, DataView or Uint8Array');
}

/**
 * Decodes one SBE frame.
 * @param {ArrayBuffer|DataView|Uint8Array} input
 * @returns {{type: 'catalog'|'tick'|'heartbeat'|'end'|'error'}} plain object with the message's fields
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
  switch (templateId) {
    case TEMPLATE.TICK_SUMMARY: return decodeTickSummary(new Reader(view, 'TickSummary'), blockLength, version);
    case TEMPLATE.CATALOG: return decodeCatalog(new Reader(view, 'Catalog'), blockLength, version);
    case TEMPLATE.HEARTBEAT: return decodeHeartbeat(new Reader(view, 'Heartbeat'), blockLength, version);
    case TEMPLATE.SIMULATION_END: return decodeSimulationEnd(new Reader(view, 'SimulationEnd'), blockLength, version);
    case TEMPLATE.ERROR: return decodeError(new Reader(view, 'Error'), blockLength, version);
    default:
      throw new Error(`tickwire: unknown templateId ${templateId}`);
  }
}

function decodeTickSummary(r, blockLength, version) {
  const o = HEADER_LENGTH;
  r.block(o, blockLength, TICK_SUMMARY_BLOCK, 'root block');
  const msg = {
    type: 'tick',
    version,
    simulationId: r.i64(o),
    tick: r.i64(o + 8),
    simTimeNs: r.i64(o + 16),
    tickLengthNs: r.i64(o + 24),
    wallTimeNs: r.i64(o + 32),
    services: [],
  };
  const g = r.group(o + blockLength, TICK_SERVICE_BLOCK + (version >= 2 ? 24 : 0), 'services');
  let p = g.next;
  for (let i = 0; i < g.count; i++) {
    r.need(p, g.blockLength, `services[${i}]`);
    const hist = r.bytes(p + g.blockLength, `services[${i}].histogram`);
    msg.services.push({
      serviceId: r.u16(p),
      servers: r.i32(p + 2),
      queueDepth: r.i32(p + 6),
      busyServers: r.i32(p + 10),
      arrivals: r.i64(p + 14),
      completed: r.i64(p + 22),
      errors: r.i64(p + 30),
      rejected: r.i64(p + 38),
      latencySumNs: r.i64(p + 46),
      meanNs: r.i64(p + 54),
      p50Ns: r.i64(p + 62),
      p90Ns: r.i64(p + 70),
      p99Ns: r.i64(p + 78),
      p999Ns: r.i64(p + 86),
      maxNs: r.i64(p + 94),
      // Time integrals over the tick (server-ns, request-ns), since version 2; null before.
      busyTimeNs: version >= 2 ? r.i64(p + 102) : null,
      queueTimeNs: version >= 2 ? r.i64(p + 110) : null,
      costNanos: version >= 2 ? r.i64(p + 118) : null,   // billionths of the diagram's currency unit
      histogramBytes: hist.value,
    });
    p = hist.next;
  }
  // Since version 2: end-to-end latency per load source.
  msg.entries = [];
  if (version >= 2) {
    const eg = r.group(p, TICK_ENTRY_BLOCK, 'entries');
    p = eg.next;
    for (let i = 0; i < eg.count; i++) {
      r.need(p, eg.blockLength, `entries[${i}]`);
      const hist = r.bytes(p + eg.blockLength, `entries[${i}].histogram`);
      msg.entries.push({
        sourceId: r.u16(p),
        completed: r.i64(p + 2),
        errors: r.i64(p + 10),
        rejected: r.i64(p + 18),
        latencySumNs: r.i64(p + 26),
        p50Ns: r.i64(p + 34),
        p90Ns: r.i64(p + 42),
        p99Ns: r.i64(p + 50),
        p999Ns: r.i64(p + 58),
        maxNs: r.i64(p + 66),
        histogramBytes: hist.value,
      });
      p = hist.next;
    }
  }
  return msg;
}

function decodeCatalog(r, blockLength, version) {
  const o = HEADER_LENGTH;
  r.block(o, blockLength, CATALOG_BLOCK, 'root block');
  const msg = {
    type: 'catalog',
    version,
    simulationId: r.i64(o),
    tickLengthNs: r.i64(o + 8),
    seed: r.i64(o + 16),
    startWallTimeNs: r.i64(o + 24),
    schemaVersion: r.u16(o + 32),
    workers: r.u16(o + 34),
    services: [],
    simulationName: '',
  };
  const g = r.group(o + blockLength, CATALOG_SERVICE_BLOCK, 'services');
  let p = g.next;
  for (let i = 0; i < g.count; i++) {
    r.need(p, g.blockLength, `services[${i}]`);
    const name = r.string(p + g.blockLength, `services[${i}].name`);
    msg.services.push({ serviceId: r.u16(p), servers: r.i32(p + 2), name: name.value });
    p = name.next;
  }
  // Since version 2: the load sources (entry points), a group between services and the simulation's name.
  msg.sources = [];
  if (version >= 2) {
    const sg = r.group(p, CATALOG_SOURCE_BLOCK, 'sources');
    p = sg.next;
    for (let i = 0; i < sg.count; i++) {
      r.need(p, sg.blockLength, `sources[${i}]`);
      const name = r.string(p + sg.blockLength, `sources[${i}].name`);
      msg.sources.push({ sourceId: r.u16(p), targetServiceId: r.u16(p + 2), name: name.value });
      p = name.next;
    }
  }
  msg.simulationName = r.string(p, 'simulationName').value;
  return msg;
}

function decodeHeartbeat(r, blockLength, version) {
  const o = HEADER_LENGTH;
  r.block(o, blockLength, HEARTBEAT_BLOCK, 'root block');
  return {
    type: 'heartbeat',
    version,
    simulationId: r.i64(o),
    lastSequence: r.i64(o + 8),
    wallTimeNs: r.i64(o + 16),
  };
}

function decodeSimulationEnd(r, blockLength, version) {
  const o = HEADER_LENGTH;
  r.block(o, blockLength, SIMULATION_END_BLOCK, 'root block');
  const reasonCode = r.u8(o + 16);
  return {
    type: 'end',
    version,
    simulationId: r.i64(o),
    lastSequence: r.i64(o + 8),
    reasonCode,
    reason: END_REASON[reasonCode] ?? `UNKNOWN(${reasonCode})`,
  };
}

function decodeError(r, blockLength, version) {
  const o = HEADER_LENGTH;
  r.block(o, blockLength, ERROR_BLOCK, 'root block');
  const code = r.u16(o + 8);
  return {
    type: 'error',
    version,
    requestId: r.i64(o),
    code,
    codeName: ERROR_CODE[code] ?? `UNKNOWN(${code})`,
    message: r.string(o + blockLength, 'message').value,
  };
}
