// A third-party client of the binary feed: Node.js `ws`, no Tickwire code. Used by NodeInteropTest.
// Usage: node ws-interop.mjs ws://127.0.0.1:PORT/feed [frames=20] [timeoutMs=20000]
// Reads the SBE message header of every binary frame by hand (little-endian uint16s: blockLength, templateId,
// schemaId, version) and, for a TickSummary (template 10), the tick: the root block is simulationId int64 then
// tick int64, so the tick is the int64 at 8 + 8. Prints one JSON summary line; exit 0 if `frames` arrived.
import WebSocket from 'ws';

const [url, framesArg = '20', timeoutArg = '20000'] = process.argv.slice(2);
const want = Number(framesArg);
const TEMPLATE_TICK_SUMMARY = 10;

const summary = {
  status: 'pending', frames: 0, binaryFrames: 0, textFrames: 0, schemaIds: [], templates: {},
  firstTemplate: null, ticks: 0, firstTick: null, lastTick: null, consecutive: true,
};
let done = false;
const ws = new WebSocket(url);
const timer = setTimeout(() => finish('timeout'), Number(timeoutArg));

ws.on('message', (data, isBinary) => {
  summary.frames++;
  if (!isBinary) {
    summary.textFrames++;
    return;
  }
  summary.binaryFrames++;
  const b = Buffer.isBuffer(data) ? data : Buffer.concat(data);
  if (b.length < 8) {
    finish(`frame of ${b.length} bytes is shorter than the SBE header`);
    return;
  }
  const templateId = b.readUInt16LE(2);
  const schemaId = b.readUInt16LE(4);
  if (!summary.schemaIds.includes(schemaId)) summary.schemaIds.push(schemaId);
  if (summary.firstTemplate === null) summary.firstTemplate = templateId;
  summary.templates[templateId] = (summary.templates[templateId] ?? 0) + 1;
  if (templateId === TEMPLATE_TICK_SUMMARY) {
    const tick = Number(b.readBigInt64LE(8 + 8));
    if (summary.lastTick !== null && tick !== summary.lastTick + 1) summary.consecutive = false;
    if (summary.firstTick === null) summary.firstTick = tick;
    summary.lastTick = tick;
    summary.ticks++;
  }
  if (summary.binaryFrames >= want) finish('ok');
});
ws.on('error', (e) => finish(`error: ${e.message}`));
ws.on('close', (code) => finish(`closed ${code}`));

function finish(status) {
  if (done) return;
  done = true;
  clearTimeout(timer);
  summary.status = status;
  console.log(JSON.stringify(summary));
  ws.terminate();
  process.exitCode = status === 'ok' ? 0 : 1;
}
