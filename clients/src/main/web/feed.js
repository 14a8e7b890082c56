// The page's one WebSocket to /feed (docs/feed.md): one subscription at a time, to the simulation shown, with the
// page's service filter (the Subscribe message's own `services`). It backfills history by subscribing from an
// earlier sequence when the server still holds it, resumes from the last tick + 1 after a lost connection (no gap,
// no duplicate), and starts again where a replay was moved back to.
import { decode, encodeSubscribe, encodeUnsubscribe, isEvent } from '../resources/web/tickwire-decoder.js';
import { auth } from './auth.js';

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;
const RETRY_MS = 1_000; // no simulation yet: ask again

/**
 * @param handlers {onState(state, detail), onSubscribed(msg), onCatalog(msg), onTick(msg), onEvent(msg),
 *                  onGap(msg), onEnd(msg), onHeartbeat(msg), onError(text), onRestart(fromTick)}
 * onEvent gets the run's audit trail (docs/feed.md "Events"): each event after its tick, in order.
 */
export class Feed {
    constructor(handlers) {
        this.h = handlers;
        this.socket = null;
        this.attempt = 0;
        this.requestId = 0;
        this.pending = null;     // {requestId, fromSequence}: the Subscribe awaiting its answer
        this.target = null;      // {simulationId, services, fromSequence}: what the page wants
        this.lastTick = null;    // last tick delivered, for resume
        this.simulationId = null; // the real id, once Subscribed
        this.framesReceived = 0;
        this.closedByPage = false;
    }

    connect() {
        this.h.onState('connecting', '');
        const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/feed',
            auth.subprotocols());
        ws.binaryType = 'arraybuffer';
        this.socket = ws;
        ws.onopen = () => {
            this.h.onState('open', '');
            this.send();
        };
        ws.onmessage = (event) => {
            if (typeof event.data === 'string') return; // the feed is binary
            let msg;
            try {
                msg = decode(event.data);
            } catch (e) {
                this.h.onError(`bad frame: ${e.message}`);
                return;
            }
            this.attempt = 0; // a decodable frame proves the server healthy
            this.framesReceived++;
            this.dispatch(msg);
        };
        ws.onclose = (event) => {
            if (this.socket !== ws) return;
            this.socket = null;
            const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
            const reason = event.reason ? `${event.code} ${event.reason}` : `${event.code}`;
            this.h.onState('closed', `closed (${reason}), retrying in ${(delay / 1000).toFixed(1)} s`);
            setTimeout(() => this.connect(), delay);
        };
    }

    /**
     * Show `simulationId` (0: the latest) with `services` (names; empty: all), from `fromSequence` (-1: the latest
     * tick, then live). Forgets the previous subscription's position.
     */
    subscribe(simulationId, services, fromSequence) {
        const previous = this.simulationId;
        this.target = { simulationId, services, fromSequence };
        this.lastTick = null;
        this.simulationId = null;
        if (previous !== null && previous !== simulationId && this.isOpen()) {
            this.socket.send(encodeUnsubscribe({ requestId: ++this.requestId, simulationId: previous }));
        }
        this.send();
    }

    isOpen() {
        return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
    }

    /** Send the Subscribe for the target: a resume from the last tick + 1 when there is one. */
    send() {
        if (!this.isOpen() || this.target === null) return;
        const resume = this.lastTick !== null;
        const fromSequence = resume ? this.lastTick + 1 : this.target.fromSequence;
        this.pending = { requestId: ++this.requestId, fromSequence };
        this.socket.send(encodeSubscribe({
            requestId: this.requestId,
            simulationId: this.simulationId ?? this.target.simulationId,
            fromSequence,
            services: this.target.services,
        }));
    }

    dispatch(msg) {
        switch (msg.type) {
            case 'subscribed':
                if (this.pending && msg.requestId === this.pending.requestId) {
                    this.simulationId = msg.simulationId;
                    this.pending = null;
                    this.h.onSubscribed(msg);
                }
                break;
            case 'catalog':
                if (msg.simulationId === this.simulationId) this.h.onCatalog(msg);
                break;
            case 'catalogUpdate': // an observed run's new rows, named before the first tick that holds them
                if (msg.simulationId === this.simulationId) this.h.onCatalogUpdate?.(msg);
                break;
            case 'tick':
                if (msg.simulationId !== this.simulationId) return; // a stale subscription's
                if (this.lastTick !== null && msg.tick <= this.lastTick) return; // a resume overlaps: no duplicate
                this.lastTick = msg.tick;
                this.h.onTick(msg);
                break;
            case 'gap':
                if (msg.simulationId === this.simulationId) this.h.onGap(msg);
                break;
            case 'end':
                if (msg.simulationId === this.simulationId) this.h.onEnd(msg);
                break;
            case 'heartbeat':
                if (msg.simulationId === this.simulationId) this.h.onHeartbeat(msg);
                break;
            case 'error':
                this.onError(msg);
                break;
            default:
                // A tick's events follow it; a resume starts after the last tick, so none comes twice.
                if (isEvent(msg) && msg.simulationId === this.simulationId) this.h.onEvent(msg);
                break;
        }
    }

    onError(msg) {
        const text = `${msg.codeName}: ${msg.message}`;
        // A replay moved back: its subscription is over; start again where it now plays.
        const moved = /moved back to tick (\d+)/.exec(msg.message);
        if (moved && msg.codeName === 'SEQUENCE_UNAVAILABLE') {
            const from = Number(moved[1]);
            this.lastTick = null;
            this.target.fromSequence = from;
            this.h.onRestart(from);
            this.send();
            return;
        }
        if (!this.pending || msg.requestId !== this.pending.requestId) {
            this.h.onError(text);
            return;
        }
        this.pending = null;
        // History no longer held: take what is.
        const held = /ticks (\d+)\.\.(\d+) are available/.exec(msg.message);
        if (msg.codeName === 'SEQUENCE_UNAVAILABLE') {
            this.lastTick = null;
            this.target.fromSequence = held ? Number(held[1]) : -1;
            this.send();
            return;
        }
        this.h.onError(text);
        if (msg.codeName === 'UNKNOWN_SIMULATION') {
            setTimeout(() => this.send(), RETRY_MS); // none launched yet, or not yet: ask again
        }
    }
}
