// Controls: start a run from a pasted or uploaded diagram (validation errors listed with their field paths), stop
// the run shown, and the Controls panel's sections. Later issues add theirs (live edits, fault toggles, observed
// sources) with addSection(); each gets the page's context on every render.
import { api, describeFailure } from './api.js';

function describeRun(sim) {
    if (!sim) return 'No simulation yet: start one.';
    if (sim.kind === 'replay') {
        const journal = (sim.journal ?? '').split('/').filter(Boolean).pop() ?? 'a journal';
        return `Replay of the journal ${journal}: play, pause, seek and speed in the bar above.`;
    }
    const ended = `Ended${sim.endReason ? ` (${sim.endReason.toLowerCase()})` : ''}`;
    const state = sim.state === 'RUNNING' ? 'Running' : ended;
    const watching = sim.subscribers !== undefined ? `${sim.subscribers} watching` : null;
    return [state, `${sim.ticksClosed} ticks`, `seed ${sim.seed}`, watching].filter(Boolean).join(' · ');
}

export class Controls {
    /** @param ctx {current(): {id, kind, state}|null, navigate(id), message(text, bad)} */
    constructor(ctx) {
        this.ctx = ctx;
        this.sections = [];
        this.box = document.getElementById('control-sections');
        this.dialog = document.getElementById('run-dialog');
        this.form = document.getElementById('run-form');
        this.text = document.getElementById('run-diagram');
        this.errors = document.getElementById('run-errors');
        this.stopButton = document.getElementById('stop-run');
        document.getElementById('new-run').addEventListener('click', () => this.open());
        document.getElementById('run-cancel').addEventListener('click', () => this.dialog.close());
        document.getElementById('run-file').addEventListener('change', (ev) => this.load(ev.target.files[0]));
        this.form.addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.start();
        });
        this.stopButton.addEventListener('click', () => this.stop());
        this.addSection({
            id: 'run',
            title: 'Run',
            render: (el, page) => {
                el.querySelector('p').textContent = describeRun(page.current());
            },
            html: '<p></p>',
        });
    }

    /**
     * A section of the Controls panel: {id, title, html, render(element, page)}; `render` runs on every change of
     * the simulation shown. Returns the section's element.
     */
    addSection(section) {
        const el = document.createElement('div');
        el.className = 'section';
        el.dataset.section = section.id;
        el.innerHTML = `<h3>${section.title}</h3>${section.html ?? ''}`;
        this.box.appendChild(el);
        this.sections.push({ ...section, el });
        return el;
    }

    render() {
        const sim = this.ctx.current();
        this.stopButton.disabled = !sim || sim.state !== 'RUNNING';
        this.stopButton.textContent = sim && sim.kind === 'replay' ? 'Stop replay' : 'Stop';
        for (const s of this.sections) s.render?.(s.el, this.ctx);
    }

    open() {
        this.errors.replaceChildren();
        this.dialog.showModal();
        this.text.focus();
    }

    async load(file) {
        if (!file) return;
        this.text.value = await file.text();
    }

    async start() {
        const submit = document.getElementById('run-submit');
        submit.disabled = true;
        this.errors.replaceChildren();
        const duration = document.getElementById('run-duration').value.trim();
        const result = await api.start(this.text.value, {
            speed: document.getElementById('run-speed').value,
            duration,
            seed: document.getElementById('run-seed').value.trim(),
        });
        submit.disabled = false;
        if (!result.ok) {
            for (const line of describeFailure(result)) {
                const li = document.createElement('li');
                li.textContent = line;
                this.errors.appendChild(li);
            }
            return;
        }
        this.dialog.close();
        this.ctx.navigate(result.body.id);
    }

    async stop() {
        const sim = this.ctx.current();
        if (!sim) return;
        this.stopButton.disabled = true;
        const result = await api.stop(sim.id);
        if (!result.ok) this.ctx.message(describeFailure(result).join('\n'), true);
        this.ctx.refresh();
    }
}
