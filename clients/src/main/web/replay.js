// Feed lag, right for live runs and for replays, and the replay bar (pause / resume, a scrubber that seeks, speed,
// the position always shown).
//
// Live run: lag = now − the tick's close on the server's wall clock (TickSummary.wallTimeNs).
// Replay: a journal's wallTimeNs is the original run's, so it says nothing about now. A paced replay publishes
// tick t at base + simTime(t) / speed; the page estimates that schedule from the ticks themselves: each tick's
// arrival − simEnd(t) / speed is its schedule plus its delay, and the smallest since the pacing last changed
// (subscribe, resume, seek, speed: base is reset then) is the schedule.
// lag = now − (schedule + simEnd(last) / speed).
// Paused: no lag, the position. Speed max: the replay waits for its slowest reader, so lag is the ticks the server
// has published that the page has not shown yet.
import { api, describeFailure } from './api.js';
import { clock, lag } from './format.js';

export class LagMeter {
    constructor() {
        this.reset();
    }

    reset() {
        this.anchorMs = Infinity;
    }

    /** A tick arrived now (ms, performance clock) ending at simEndNs; `speed` the replay's (finite). */
    onReplayTick(simEndNs, speed) {
        const offset = performance.now() - simEndNs / 1e6 / speed;
        if (offset < this.anchorMs) this.anchorMs = offset;
    }

    /** ms the last tick shown is behind its place in the replay's schedule. */
    replayLag(simEndNs, speed) {
        if (!Number.isFinite(this.anchorMs)) return null;
        return performance.now() - (this.anchorMs + simEndNs / 1e6 / speed);
    }

    static liveLag(wallTimeNs) {
        return performance.timeOrigin + performance.now() - wallTimeNs / 1e6;
    }
}

export class ReplayBar {
    /** @param page {current(), refresh(), message(text, bad), lagMeter, tickLengthNs(), shownTick()} */
    constructor(page) {
        this.page = page;
        this.bar = document.getElementById('replay-bar');
        this.toggle = document.getElementById('replay-toggle');
        this.scrubber = document.getElementById('scrubber');
        this.position = document.getElementById('replay-position');
        this.speed = document.getElementById('replay-speed');
        this.dragging = false;
        this.toggle.addEventListener('click', () => this.pauseOrResume());
        this.scrubber.addEventListener('input', () => {
            this.dragging = true;
            this.showPosition(Number(this.scrubber.value));
        });
        this.scrubber.addEventListener('change', () => this.seek(Number(this.scrubber.value)));
        this.speed.addEventListener('change', () => this.setSpeed(this.speed.value));
    }

    async act(call) {
        const sim = this.page.current();
        if (!sim || sim.kind !== 'replay') return null;
        const result = await call(sim.id);
        if (!result.ok) this.page.message(describeFailure(result).join('\n'), true);
        this.page.lagMeter.reset();
        await this.page.refresh();
        return result;
    }

    pauseOrResume() {
        const sim = this.page.current();
        const paused = sim?.replay?.paused;
        this.page.event('control', paused ? 'resumed' : 'paused');
        return this.act((id) => (paused ? api.resume(id) : api.pause(id)));
    }

    async seek(tick) {
        this.page.event('control', `seek to tick ${tick}`);
        await this.act((id) => api.seek(id, tick));
        this.dragging = false;
    }

    setSpeed(x) {
        this.page.event('control', `speed ${x}×`);
        return this.act((id) => api.speed(id, x));
    }

    render() {
        const sim = this.page.current();
        const replay = sim?.kind === 'replay' ? sim.replay : null;
        this.bar.hidden = !replay;
        if (!replay) return;
        const ended = sim.state !== 'RUNNING';
        this.toggle.disabled = ended;
        this.scrubber.disabled = ended;
        this.toggle.textContent = replay.paused ? '▶' : '❚❚';
        this.toggle.setAttribute('aria-label', replay.paused ? 'Resume the replay' : 'Pause the replay');
        this.scrubber.min = String(replay.firstTick);
        this.scrubber.max = String(replay.lastTick);
        const max = replay.speed === 'max';
        this.speed.disabled = max || ended;
        if (max && !this.speed.querySelector('option[value=max]')) {
            this.speed.insertAdjacentHTML('beforeend', '<option value="max">max</option>');
        }
        if (document.activeElement !== this.speed) this.speed.value = String(replay.speed);
        if (!this.dragging) {
            const shown = this.page.shownTick() ?? replay.position;
            this.scrubber.value = String(Math.max(replay.firstTick, shown));
            this.showPosition(shown);
        }
    }

    showPosition(tick) {
        const sim = this.page.current();
        const replay = sim.replay;
        const tickS = this.page.tickLengthNs() / 1e9;
        const at = tick === null || tick < 0 ? null : tick;
        const state = replay.paused ? 'paused at' : sim.state === 'RUNNING' ? 'playing' : 'ended at';
        this.position.textContent = at === null ? `${state} –`
            : `${state} ${clock((at + 1) * tickS)} / ${clock((replay.lastTick + 1) * tickS)} · tick ${at} of `
            + `${replay.firstTick}–${replay.lastTick}`;
        this.bar.dataset.paused = String(replay.paused);
        this.bar.dataset.position = String(at ?? -1);
    }
}

/** The lag indicator's text and state for the simulation shown. */
export function lagText(sim, model, meter, catchingUp) {
    if (!sim || model.lastTick === null) return { text: '–', state: 'none' };
    if (catchingUp) return { text: 'catching up', state: 'late' };
    if (model.ended) return { text: 'ended', state: 'none' };
    if (sim.kind === 'replay') {
        const r = sim.replay;
        if (r.paused) return { text: `paused at tick ${r.position}`, state: 'paused' };
        if (r.speed === 'max') {
            const behind = Math.max(0, r.position - model.lastTick);
            return { text: `${behind} ticks behind (max)`, state: behind > 100 ? 'late' : 'ok' };
        }
        const ms = meter.replayLag(model.simTimeNs, Number(r.speed));
        return { text: lag(ms), state: ms > 1000 ? 'late' : 'ok' };
    }
    const ms = LagMeter.liveLag(model.wallTimeNs);
    return { text: lag(ms), state: ms > 1000 ? 'late' : 'ok' };
}
