// The JS codec against the Java one. Used by JsCodecInteropTest.
// Usage: node codec-interop.mjs DIR
// Decodes every DIR/java/*.bin (frames written by the generated Java encoders) and prints them as one JSON object
// {file: message}, byte arrays as plain arrays, plus {"MESSAGES": [{name, templateId, blockLength}]}, the module's
// table of feed messages, for the Java test to hold against its own (FeedMessage); writes the client messages,
// encoded here, to DIR/js/*.bin for the Java decoders to read.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  decode, encodeListSimulations, encodePing, encodeSubscribe, encodeUnsubscribe, MESSAGES,
} from '../../main/resources/web/tickwire-decoder.js';

const dir = process.argv[2];
const decoded = {};
for (const file of readdirSync(join(dir, 'java')).filter((f) => f.endsWith('.bin')).sort()) {
  decoded[file] = decode(new Uint8Array(readFileSync(join(dir, 'java', file))));
}
decoded.MESSAGES = Object.values(MESSAGES)
  .map(({ name, templateId, blockLength }) => ({ name, templateId, blockLength }));
console.log(JSON.stringify(decoded, (key, value) => (value instanceof Uint8Array ? [...value] : value)));

mkdirSync(join(dir, 'js'), { recursive: true });
writeFileSync(join(dir, 'js', 'subscribe.bin'), encodeSubscribe({
  requestId: 11, simulationId: 3, fromSequence: 1234, policy: 'DISCONNECT', services: ['gateway', 'orders-db'],
}));
writeFileSync(join(dir, 'js', 'subscribe-latest.bin'), encodeSubscribe({ requestId: 12 }));
writeFileSync(join(dir, 'js', 'unsubscribe.bin'), encodeUnsubscribe({ requestId: 13, simulationId: 3 }));
writeFileSync(join(dir, 'js', 'list.bin'), encodeListSimulations({ requestId: 14 }));
writeFileSync(join(dir, 'js', 'ping.bin'), encodePing({ requestId: 15, clientTimeNs: 987_654_321_012_345n }));
