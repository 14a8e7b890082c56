// The Node.js peer of `tickwire bench e2e|fanout --peer node`: a broadcaster on the `ws` package, as a team would
// write one. It subscribes once to Tickwire's feed (the URL in argv[2]) and re-broadcasts every binary frame it
// receives, byte for byte, to every client connected to it; so the clients measure the same encoded ticks by the
// same intended-time rule, and the broadcaster is the difference. A client whose socket buffers over 1 MiB is
// skipped for that frame (Tickwire conflates a slow reader; an unbounded send queue would only measure memory).
//
//   node bench/peers/node-broadcaster.mjs ws://127.0.0.1:PORT/feed?sim=ID
//
// `ws` comes from bench/peers/node_modules, which building bench fills (npm ci from bench/peers/package-lock.json).
// Prints `listening PORT` once subscribed upstream and listening (an ephemeral port on 127.0.0.1).
import { WebSocket, WebSocketServer } from 'ws';

const upstreamUrl = process.argv[2];
if (!upstreamUrl) {
    console.error('usage: node node-broadcaster.mjs ws://HOST:PORT/feed?sim=ID');
    process.exit(2);
}
const HIGH_WATER = 1 << 20;
let skipped = 0;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
server.on('connection', (socket) => {
    socket.on('error', () => {});
});
server.on('listening', () => {
    const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false });
    upstream.binaryType = 'nodebuffer';
    upstream.on('open', () => {
        process.stdout.write(`listening ${server.address().port}\n`);
    });
    upstream.on('message', (data, isBinary) => {
        if (!isBinary) {
            return;
        }
        for (const client of server.clients) {
            if (client.readyState !== WebSocket.OPEN) {
                continue;
            }
            if (client.bufferedAmount > HIGH_WATER) {
                skipped++;
                continue;
            }
            client.send(data, { binary: true });
        }
    });
    upstream.on('close', () => shutdown(0));
    upstream.on('error', (err) => {
        console.error(`node-broadcaster: upstream ${err.message}`);
        shutdown(1);
    });
});

function shutdown(code) {
    if (skipped > 0) {
        console.error(`node-broadcaster: ${skipped} frames skipped for slow clients`);
    }
    server.close();
    process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
