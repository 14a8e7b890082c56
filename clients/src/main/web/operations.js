// Operations in the Controls panel (docs/dashboard.md, "Controls"): a live edit of the running simulation (a JSON
// merge patch on its diagram: PATCH /simulations/{id}), a fault added now (POST .../faults) and the faults in effect,
// each with an End toggle (DELETE .../faults/{id}). The server validates an edit exactly as a diagram and answers with
// the tick it takes effect at; refusals are listed with their field paths. Faults in effect are the run's fault
// events seen on the feed: started and not yet ended (a crash is an instant, never in effect).
import { api, describeFailure } from './api.js';

const HTML = `
<details id="operations-details"><summary>Edit the running simulation…</summary>
<p class="hint">Changes the running simulation at its next tick; journaled, so <code>verify</code> re-applies them.</p>
<label for="edit-patch">JSON merge patch on the diagram</label>
<textarea id="edit-patch" rows="3" spellcheck="false"
  placeholder='{"services": [{"name": "payments", "replicas": 4}]}'></textarea>
<button type="button" id="edit-apply">Apply edit</button>
<label for="fault-body">Fault (as in the diagram's faults)</label>
<textarea id="fault-body" rows="2" spellcheck="false"
  placeholder='{"kind": "latency", "service": "payments", "factor": 5, "duration": "60s"}'></textarea>
<button type="button" id="fault-add">Add fault now</button>
<ul id="edit-result" class="errors" aria-live="polite"></ul>
<h4>Faults in effect</h4>
<ul id="faults-active"><li class="none">none</li></ul>
</details>`;

export class Operations {
    /** @param controls the page's Controls; ctx as the Controls' (current(), message(text, bad)) */
    constructor(controls, ctx) {
        this.ctx = ctx;
        this.active = new Map(); // faultId -> text, for the simulation shown
        this.simulationId = null;
        this.el = controls.addSection({
            id: 'operations', title: 'Live edits and faults', html: HTML, render: (el) => this.render(el),
        });
        this.el.querySelector('#edit-apply').addEventListener('click', () => this.apply('edit-patch',
            (id, body) => api.edit(id, body), 'edit'));
        this.el.querySelector('#fault-add').addEventListener('click', () => this.apply('fault-body',
            (id, body) => api.addFault(id, body), 'fault'));
    }

    /** A decoded feed event of the simulation shown (tickwire-decoder.js): keeps the faults in effect. */
    onEvent(msg, text) {
        if (msg.simulationId !== this.simulationId) {
            this.simulationId = msg.simulationId;
            this.active.clear();
        }
        if (msg.type !== 'faultEvent') return;
        if (msg.phase === 'STARTED' && msg.kind !== 'CRASH') this.active.set(msg.faultId, text);
        if (msg.phase === 'ENDED') this.active.delete(msg.faultId);
        this.renderFaults();
    }

    render(el) {
        const sim = this.ctx.current();
        const live = !!sim && sim.kind === 'run' && sim.state === 'RUNNING';
        for (const b of el.querySelectorAll('button, textarea')) b.disabled = !live;
        if (sim && sim.id !== this.simulationId) {
            this.simulationId = sim.id;
            this.active.clear();
        }
        this.renderFaults();
    }

    renderFaults() {
        const list = this.el.querySelector('#faults-active');
        const items = [...this.active.entries()].map(([id, text]) => {
            const li = document.createElement('li');
            li.dataset.fault = String(id);
            const span = document.createElement('span');
            span.textContent = text;
            const end = document.createElement('button');
            end.type = 'button';
            end.textContent = 'End';
            end.setAttribute('aria-label', `End fault ${id}`);
            end.addEventListener('click', () => this.end(id));
            li.append(span, ' ', end);
            return li;
        });
        if (items.length === 0) {
            const none = document.createElement('li');
            none.className = 'none';
            none.textContent = 'none';
            items.push(none);
        }
        list.replaceChildren(...items);
    }

    async apply(fieldId, call, what) {
        const sim = this.ctx.current();
        if (!sim) return;
        const body = this.el.querySelector(`#${fieldId}`).value.trim();
        const result = await call(sim.id, body);
        this.show(result, what);
    }

    async end(faultId) {
        const sim = this.ctx.current();
        if (!sim) return;
        this.show(await api.endFault(sim.id, faultId), 'end of fault');
    }

    show(result, what) {
        const out = this.el.querySelector('#edit-result');
        const lines = result.ok
            ? [`${what} ${result.body.editId} takes effect at tick ${result.body.tick}`
                + (result.body.faultId >= 0 && what === 'fault' ? ` (fault #${result.body.faultId})` : '')]
            : describeFailure(result);
        out.dataset.ok = String(result.ok);
        out.replaceChildren(...lines.map((line) => {
            const li = document.createElement('li');
            li.textContent = line;
            return li;
        }));
    }
}
