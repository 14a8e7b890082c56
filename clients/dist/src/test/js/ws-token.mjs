// A browser-style feed client: Node's ws offers the bearer token as a WebSocket subprotocol (browsers cannot set an
// Authorization header on an upgrade) over WSS with the test's CA. Usage:
//   node ws-token.mjs NODE_MODULES URL CA_PEM TOKEN|- TIMEOUT_MS
// Prints one JSON line: {"status":"open","protocol":..., "binaryFrames":N} or {"status":"error","message":...}.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [nodeModules, url, caFile, token, timeoutMs] = process.argv.slice(2);
const require = createRequire(path.join(nodeModules, 'noop.js'));
const WebSocket = require('ws');

const protocols = token === '-' ? ['tickwire.feed'] : ['tickwire.feed', 'tickwire.bearer.' + token];
const ws = new WebSocket(url, protocols, { ca: readFileSync(caFile) });
let frames = 0;
let done = false;
const finish = (result) => {
    if (!done) {
        done = true;
        console.log(JSON.stringify(result));
        ws.terminate();
        process.exit(0);
    }
};
ws.on('message', (data, isBinary) => {
    if (isBinary) {
        frames++;
        if (frames >= 3) {
            finish({ status: 'open', protocol: ws.protocol, binaryFrames: frames });
        }
    }
});
ws.on('error', (err) => finish({ status: 'error', message: String(err.message) }));
ws.on('close', (code) => finish({ status: 'closed', code, binaryFrames: frames }));
setTimeout(() => finish({ status: 'timeout', binaryFrames: frames, protocol: ws.protocol }), Number(timeoutMs));
