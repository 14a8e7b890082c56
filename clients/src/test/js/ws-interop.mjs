// A third-party client of the binary feed: Node.js `ws`, no Tickwire code. Used by NodeInteropTest.
// Usage: node ws-interop.mjs ws://127.0.0.1:PORT/feed [simulationId=0] [ticks=20] [timeoutMs=20000]
//
// Speaks the protocol from docs/feed.md with SBE encoded and decoded by hand (little-endian; the 8-byte header is
// uint16 blockLength, templateId, schemaId, version):
//   1. connect to /feed, send Subscribe(requestId 1, simulationId, fromSequence -1, CONFLATE, services ''),
//      expect Subscribed(44) then Catalog(20) then `ticks` TickSummary(10) with consecutive tick numbers;
//   2. drop the connection without a close frame (terminate), connect again, send
//      Subscribe(requestId 2, the simulation's id, fromSequence = last tick + 1) and expect the stream to go on at
//      exactly that tick: `ticks` more, consecutive, no gap and no duplicate.
// Prints one JSON summary line; exit 0 when both phases completed.
import WebSocket from 'ws';

const [url, simArg = '0', ticksArg = '20', timeoutArg = '20000'] = process.argv.slice(2);
const want = Number(ticksArg);
const SCHEMA_ID = 7477;
const SCHEMA_VERSION = 3;
const T = { TICK: 10, CATALOG: 20, HEARTBEAT: 30, END: 31, GAP: 32, SUBSCRIBE: 40, SUBSCRIBED: 44, ERROR: 50 };

/** Subscribe: header, then requestId i64, simulationId i64, fromSequence i64, policy u8 (block 25), services. */
function subscribe(requestId, simulationId, fromSequence) {
  const b = Buffer.alloc(8 + 25 + 2);
  b.writeUInt16LE(25, 0);
  b.writeUInt16LE(T.SUBSCRIBE, 2);
  b.writeUInt16LE(SCHEMA_ID, 4);
  b.writeUInt16LE(SCHEMA_VERSION, 6);
  b.writeBigInt64LE(BigInt(requestId), 8);
  b.writeBigInt64LE(BigInt(simulationId), 16);
  b.writeBigInt64LE(BigInt(fromSequence), 24);
  b.writeUInt8(0, 32);          // CONFLATE
  b.writeUInt16LE(0, 33);       // services: empty = all
  return b;
}

const summary = { status: 'pending', schemaIds: [], textFrames: 0, phases: [] };
const timer = setTimeout(() => finish('timeout'), Number(timeoutArg));
let done = false;
let socket = null;

function phase(requestId, simulationId, fromSequence) {
  return new Promise((resolve, reject) => {
    const p = {
      requestId, fromSequence, templates: [], subscribed: null, ticks: 0, firstTick: null, lastTick: null,
      consecutive: true,
    };
    summary.phases.push(p);
    const ws = new WebSocket(url);
    socket = ws;
    ws.on('open', () => ws.send(subscribe(requestId, simulationId, fromSequence), { binary: true }));
    ws.on('message', (data, isBinary) => {
      if (p.ticks === want) return; // terminated: frames already buffered may still be emitted
      if (!isBinary) {
        summary.textFrames++;
        return;
      }
      const b = Buffer.isBuffer(data) ? data : Buffer.concat(data);
      if (b.length < 8) return reject(new Error(`frame of ${b.length} bytes is shorter than the SBE header`));
      const templateId = b.readUInt16LE(2);
      const schemaId = b.readUInt16LE(4);
      if (!summary.schemaIds.includes(schemaId)) summary.schemaIds.push(schemaId);
      if (p.templates.length < 3) p.templates.push(templateId);
      if (templateId === T.SUBSCRIBED) {
        p.subscribed = {
          requestId: Number(b.readBigInt64LE(8)), simulationId: Number(b.readBigInt64LE(16)),
          firstSequence: Number(b.readBigInt64LE(24)), lastSequence: Number(b.readBigInt64LE(32)),
        };
      } else if (templateId === T.ERROR) {
        const length = b.readUInt16LE(8 + b.readUInt16LE(0));
        reject(new Error(`server error ${b.readUInt16LE(16)}: ${b.toString('utf8', 10 + b.readUInt16LE(0),
          10 + b.readUInt16LE(0) + length)}`));
      } else if (templateId === T.TICK) {
        const tick = Number(b.readBigInt64LE(8 + 8)); // root block: simulationId i64, tick i64
        if (p.lastTick !== null && tick !== p.lastTick + 1) p.consecutive = false;
        if (p.firstTick === null) p.firstTick = tick;
        p.lastTick = tick;
        p.ticks++;
        if (p.ticks === want) {
          ws.terminate(); // drop without a close frame
          resolve(p);
        }
      }
    });
    ws.on('error', (e) => reject(e));
    ws.on('close', (code) => { if (p.ticks < want) reject(new Error(`closed ${code} after ${p.ticks} ticks`)); });
  });
}

try {
  const first = await phase(1, Number(simArg), -1);
  const second = await phase(2, first.subscribed.simulationId, first.lastTick + 1);
  summary.resumedAt = second.firstTick;
  summary.noGapNoDuplicate = second.firstTick === first.lastTick + 1 && first.consecutive && second.consecutive;
  finish('ok');
} catch (e) {
  finish(`error: ${e.message}`);
}

function finish(status) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  summary.status = status;
  console.log(JSON.stringify(summary));
  if (socket) socket.terminate();
  process.exitCode = status === 'ok' ? 0 : 1;
}
