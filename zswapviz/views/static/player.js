/* zswapviz player: the one renderer of a recorded trace's view model.
 *
 * Reads a view model (format "zswapviz-view/1", docs/viewmodel.md) and draws,
 * in SVG sized in CSS pixels (so it is sharp at any zoom and follows the cell
 * width), the four panels: the xarray occupancy grid, refs and charge over
 * the steps, compressed sizes and zsmalloc classes, and the rollback. Above
 * them the step's sentence and the badge; the controls step, play, jump and
 * go to a page without any round trip. A lesson view (format
 * "zswapviz-lesson/1") adds the lesson panel. Never fetches anything; all
 * text goes through textContent.
 *
 *   import { createPlayer } from "./player.js";
 *   const p = createPlayer(element, { vm, lesson, spoilers, teacher, onStep });
 *   p.show(k); p.act("failure"); p.setView(vm); p.setLesson(lv); p.destroy();
 *
 * The code pane is drawn by codepane.js (drawCodePane(root, vm, step, opts)),
 * called when the view model has listings.
 */
import { drawCodePane } from "./codepane.js";

const FORMAT = "zswapviz-view/1";
const LESSON_FORMAT = "zswapviz-lesson/1";
const CHECKPOINT = 64;
const CANVAS_CELLS = 1024;
const SVGNS = "http://www.w3.org/2000/svg";
const SERIES_COLORS = { stored_pages: "#1e88e5", pool_refs: "#43a047", objcg_refs: "#8e24aa", right: "#ef6c00" };

const CSS = `
.zvp-root { --zvp-fg: var(--jp-ui-font-color0, #1b1f23); --zvp-muted: var(--jp-ui-font-color2, #57606a);
  --zvp-bg: var(--jp-layout-color0, #ffffff); --zvp-soft: var(--jp-layout-color2, #f0f2f4);
  --zvp-line: var(--jp-border-color1, #c9d1d9); --zvp-accent: var(--jp-brand-color1, #1565c0);
  --zvp-bad: var(--jp-error-color1, #c62828); --zvp-ok: var(--jp-success-color1, #2e7d32);
  --zvp-empty: var(--jp-layout-color3, #e4e7ea); --zvp-font: 16px; --zvp-panel-h: clamp(150px, calc((100vh - 420px) / 2), 330px);
  --zvp-mono: var(--jp-code-font-family, ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace);
  font-family: var(--jp-ui-font-family, system-ui, "Liberation Sans", "DejaVu Sans", sans-serif);
  font-size: var(--zvp-font); line-height: 1.3; color: var(--zvp-fg); background: var(--zvp-bg);
  box-sizing: border-box; width: 100%; max-width: 100%; padding: 6px 4px; outline: none; position: relative; }
@media (prefers-color-scheme: dark) {
  .zvp-root:not([data-theme=light]) { --zvp-fg: var(--jp-ui-font-color0, #e6edf3); --zvp-muted: var(--jp-ui-font-color2, #a0aab4);
    --zvp-bg: var(--jp-layout-color0, #111418); --zvp-soft: var(--jp-layout-color2, #22272e);
    --zvp-line: var(--jp-border-color1, #444c56); --zvp-accent: var(--jp-brand-color1, #64b5f6);
    --zvp-bad: var(--jp-error-color1, #ff7b72); --zvp-ok: var(--jp-success-color1, #66bb6a); --zvp-empty: var(--jp-layout-color3, #39414a); }
}
.zvp-root[data-theme=dark] { --zvp-fg: #e6edf3; --zvp-muted: #a0aab4; --zvp-bg: #111418; --zvp-soft: #22272e;
  --zvp-line: #444c56; --zvp-accent: #64b5f6; --zvp-bad: #ff7b72; --zvp-ok: #66bb6a; --zvp-empty: #39414a; }
.zvp-root *, .zvp-root *::before { box-sizing: border-box; }
.zvp-root [hidden] { display: none !important; }
.zvp-root:focus-visible { box-shadow: 0 0 0 2px var(--zvp-accent); }
.zvp-root[data-present="1"] { position: fixed; inset: 0; z-index: 10000; overflow: auto; padding: 10px 16px;
  --zvp-font: 20px; --zvp-panel-h: calc((100vh - 300px) / 2); }
.zvp-head { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; min-height: 1.4em; }
.zvp-title { font-weight: 600; }
.zvp-meta { color: var(--zvp-muted); }
.zvp-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin: 4px 0; }
.zvp-btn { font: inherit; font-size: var(--zvp-font); padding: 2px 9px; border: 1px solid var(--zvp-line); border-radius: 4px;
  background: var(--zvp-soft); color: var(--zvp-fg); cursor: pointer; line-height: 1.35; white-space: nowrap; }
.zvp-btn:hover:not(:disabled) { border-color: var(--zvp-accent); }
.zvp-btn:disabled { opacity: 0.45; cursor: default; }
.zvp-btn[aria-pressed=true] { background: var(--zvp-accent); color: var(--zvp-bg); border-color: var(--zvp-accent); }
.zvp-slider { flex: 1 1 200px; min-width: 140px; accent-color: var(--zvp-accent); height: 1.4em; }
.zvp-count { font-family: var(--zvp-mono); min-width: 15ch; text-align: right; font-size: var(--zvp-font); }
.zvp-page { width: 5.2em; font: inherit; font-size: var(--zvp-font); padding: 1px 4px; background: var(--zvp-bg); color: var(--zvp-fg);
  border: 1px solid var(--zvp-line); border-radius: 4px; }
.zvp-speed { font: inherit; font-size: var(--zvp-font); background: var(--zvp-bg); color: var(--zvp-fg); border: 1px solid var(--zvp-line); }
.zvp-status { color: var(--zvp-bad); min-width: 1ch; }
.zvp-now { display: flex; gap: 10px; align-items: flex-start; margin: 2px 0 4px; position: relative; }
/* the call on one line, the sentence on up to two: a fixed height, so the layout never moves between steps */
.zvp-sentence { flex: 1 1 auto; min-width: 0; height: 4em; overflow: hidden; }
.zvp-call { font-family: var(--zvp-mono); font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.zvp-text { overflow-wrap: anywhere; line-height: 1.3; max-height: 2.6em; overflow: hidden; }
.zvp-root[data-failed="1"] .zvp-call { color: var(--zvp-bad); }
.zvp-badge { flex: 0 1 34%; display: flex; gap: 6px; align-items: center; padding: 2px 8px; border-radius: 4px; color: #fff;
  overflow: hidden; min-height: 1.7em; max-height: 4em; }
/* the badge keeps white text on a dark green or red in every theme (contrast 5:1 or more), up to three lines */
.zvp-badge[data-ok="1"] { background: #2e7d32; }
.zvp-badge[data-ok="0"] { background: #c62828; }
.zvp-badge-text { overflow: hidden; flex: 1 1 auto; white-space: normal; line-height: 1.25; max-height: 3.75em; }
.zvp-badge .zvp-btn { padding: 0 6px; font-size: var(--zvp-font); background: transparent; color: #fff; border-color: #fff; }
.zvp-details { position: absolute; right: 0; top: 1.9em; z-index: 5; max-width: min(760px, 90%); max-height: 300px; overflow: auto;
  background: var(--zvp-bg); color: var(--zvp-fg); border: 2px solid var(--zvp-bad); border-radius: 4px; padding: 6px 10px; }
.zvp-details ul { margin: 0; padding-left: 1.2em; }
.zvp-main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 8px; align-items: start; }
.zvp-main.zvp-with-side { grid-template-columns: minmax(0, 1fr) minmax(240px, 30%); }
.zvp-panels { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 6px 10px; align-content: start; }
.zvp-panel { min-width: 0; border: 1px solid var(--zvp-line); border-radius: 4px; padding: 2px 6px 4px; position: relative; }
.zvp-ph { font-weight: 600; overflow-wrap: anywhere; }
.zvp-note { color: var(--zvp-muted); overflow-wrap: anywhere; min-height: 2.6em; }
.zvp-layer { position: relative; width: 100%; height: var(--zvp-panel-h); }
.zvp-layer > svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; overflow: hidden; display: block; }
.zvp-over { pointer-events: none; will-change: transform; }
.zvp-layer > canvas.zvp-canvas { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }
.zvp-svg text { font-size: var(--zvp-font); fill: var(--zvp-muted); font-family: inherit; }
.zvp-legend { display: flex; flex-wrap: wrap; gap: 0 10px; color: var(--zvp-muted); min-height: 1.3em; }
.zvp-legend span { white-space: nowrap; }
.zvp-sw { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 3px; border: 1px solid var(--zvp-line); vertical-align: -1px; }
.zvp-side { display: flex; flex-direction: column; gap: 6px; min-width: 0; max-height: calc(2 * var(--zvp-panel-h) + 8.5em); overflow: auto; }
.zvp-counters { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
.zvp-counters td { padding: 0 4px; border-bottom: 1px solid var(--zvp-line); white-space: nowrap; }
.zvp-counters td:first-child { white-space: normal; overflow-wrap: anywhere; }
.zvp-counters td:nth-child(2), .zvp-counters td:nth-child(3) { text-align: right; font-family: var(--zvp-mono); }
.zvp-counters tr.zvp-chg td { background: var(--zvp-soft); font-weight: 600; }
.zvp-counters tr.zvp-neg td:nth-child(2) { color: var(--zvp-bad); }
.zvp-code { min-width: 0; font-family: var(--zvp-mono); }
.zvp-pair .zvp-panels { gap: 10px; }
.zvp-pair .zvp-pair-side { min-width: 0; }
.zvp-pair .zvp-pair-side .zvp-root { padding: 0; --zvp-panel-h: clamp(110px, calc((100vh - 560px) / 2), 260px); }
.zvp-pair details summary { cursor: pointer; color: var(--zvp-accent); }
.zvp-pair-note { min-height: 1.4em; color: var(--zvp-fg); }
.zvp-lesson { border: 2px solid var(--zvp-accent); border-radius: 6px; padding: 4px 10px; margin: 2px 0 6px; }
.zvp-lesson-where { color: var(--zvp-muted); }
.zvp-lesson-title { font-weight: 700; }
.zvp-lesson-q, .zvp-lesson-a, .zvp-lesson-t { padding: 2px 8px; margin-top: 4px; border-radius: 4px; border-left: 4px solid var(--zvp-accent);
  background: var(--zvp-soft); color: var(--zvp-fg); }
.zvp-lesson-a { border-left-color: var(--zvp-ok); }
.zvp-lesson-t { border-left-color: var(--zvp-muted); }
.zvp-svg text.zvp-celltext { fill: #fff; stroke: #222; stroke-width: 3px; paint-order: stroke; pointer-events: none; }
.zvp-here { fill: none; stroke: var(--zvp-fg); stroke-width: 3; }
.zvp-marker { stroke: var(--zvp-fg); stroke-width: 2; }
.zvp-future { fill: var(--zvp-bg); opacity: 0.65; }
.zvp-future[data-hide="1"] { opacity: 1; }
.zvp-axis { stroke: var(--zvp-line); stroke-width: 1; }
.zvp-failline { stroke: var(--zvp-bad); stroke-width: 1.5; stroke-dasharray: 5 3; }
.zvp-band { fill: var(--zvp-accent); opacity: 0.18; }
@media (max-width: 760px) { .zvp-panels { grid-template-columns: minmax(0, 1fr); } .zvp-main.zvp-with-side { grid-template-columns: minmax(0, 1fr); } }
`;

function ensureStyle(doc) {
  if (doc.getElementById("zvp-style")) return;
  const s = doc.createElement("style");
  s.id = "zvp-style";
  s.textContent = CSS;
  (doc.head || doc.documentElement).appendChild(s);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function button(label, act, title) {
  const b = el("button", "zvp-btn", label);
  b.type = "button";
  b.dataset.act = act;
  if (title) b.title = title;
  return b;
}

function fmt(v) {
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(1);
}

/* A template of the view model filled with the step's page and argument. */
export function fill(t, page, arg) {
  let out = "";
  for (let i = 0; i < t.length; i++) {
    const c = t[i], two = t.substr(i, 2), three = t.substr(i, 3);
    if (two === "{{" || two === "}}") { out += c; i += 1; }
    else if (three === "{p}") { out += page < 0 || page === null ? "" : String(page); i += 2; }
    else if (three === "{a}") { out += arg === null || arg === undefined ? "" : String(arg); i += 2; }
    else out += c;
  }
  return out;
}

/* Index the view model once: cell checkpoints, value arrays, change offsets. */
export function decode(vm) {
  if (!vm || vm.format !== FORMAT) throw new Error("zswapviz: not a " + FORMAT + " view model");
  const n = vm.n, m = vm.pages;
  const ch = vm.cells.changes, nc = ch.step.length;
  const cStart = new Int32Array(n + 1);
  { let j = 0; for (let k = 0; k <= n; k++) { while (j < nc && ch.step[j] < k) j++; cStart[k] = j; } }
  const state = Uint8Array.from(vm.cells.initial.state), len = Int32Array.from(vm.cells.initial.length),
    flags = Uint8Array.from(vm.cells.initial.flags);
  const checkpoints = [];
  for (let k = 0; k < n; k++) {
    if (k > 0) for (let j = cStart[k]; j < cStart[k + 1]; j++) { const i = ch.page[j]; state[i] = ch.state[j]; len[i] = ch.length[j]; flags[i] = ch.flags[j]; }
    if (k % CHECKPOINT === 0) checkpoints.push([state.slice(), len.slice(), flags.slice()]);
  }
  const values = {};
  const vk = vm.values.keys, vc = vm.values.changes;
  vk.forEach(function (key, i) { const a = new Float64Array(n); a.fill(vm.values.initial[i]); values[key] = a; });
  for (let j = 0; j < vc.step.length; j++) values[vk[vc.key[j]]][vc.step[j]] = vc.value[j];
  const lastSet = {};
  vk.forEach(function (key) { lastSet[key] = 0; });
  // carry values forward: a change sets the value from its step on
  const changed = {};
  vk.forEach(function (key) { changed[key] = new Uint8Array(n); });
  for (let j = 0; j < vc.step.length; j++) changed[vk[vc.key[j]]][vc.step[j]] = 1;
  vk.forEach(function (key) { const a = values[key], c = changed[key]; for (let k = 1; k < n; k++) if (!c[k]) a[k] = a[k - 1]; });
  const failed = new Uint8Array(n);
  vm.steps.failed.forEach(function (k) { failed[k] = 1; });
  const sz = vm.sizes.events;
  return { vm: vm, n: n, m: m, cStart: cStart, checkpoints: checkpoints, values: values, failed: failed,
    sizeSteps: sz.step };
}

function cellsAt(x, k) {
  const c = Math.floor(k / CHECKPOINT), cp = x.checkpoints[c], ch = x.vm.cells.changes;
  const s = { state: cp[0].slice(), len: cp[1].slice(), flags: cp[2].slice() };
  applyCells(x, s, c * CHECKPOINT + 1, k);
  return s;
}

function applyCells(x, s, from, to) {
  const ch = x.vm.cells.changes;
  for (let j = x.cStart[Math.max(from, 0)]; j < x.cStart[to + 1]; j++) {
    const i = ch.page[j]; s.state[i] = ch.state[j]; s.len[i] = ch.length[j]; s.flags[i] = ch.flags[j];
  }
}

/* Per page after step k: compressed length (negative: failed) and class size. */
function sizesAt(x, k) {
  const ev = x.vm.sizes.events, m = x.m;
  const comp = new Int32Array(m), cls = new Int32Array(m);
  for (let j = 0; j < ev.step.length && ev.step[j] <= k; j++) {
    const p = ev.page[j];
    comp[p] = ev.compressed[j];
    cls[p] = ev.class[j];
  }
  return { comp: comp, cls: cls };
}

/* The one jump rule: the first mark after step k, wrapping to the first. */
export function jumpTarget(marks, k) {
  if (!marks || !marks.length) return null;
  for (let i = 0; i < marks.length; i++) if (marks[i] > k) return marks[i];
  return marks[0];
}

/* The badge at step k: ok, a one-line summary, details. */
export function badgeAt(vm, k) {
  const so = vm.badge.violations.filter(function (v) { return v[0] <= k; });
  if (!so.length) return { ok: true, summary: vm.badge.ok, details: [] };
  const names = [];
  so.forEach(function (v) { if (names.indexOf(v[1]) < 0) names.push(v[1]); });
  /* at most two checker names, so the badge fits its three lines; the details list all */
  const more = names.length > 2 ? " +" + (names.length - 2) + " more" : "";
  return { ok: false, summary: so.length + " invariant violation(s): " + names.slice(0, 2).join(", ") + more,
           details: so.map(function (v) { return v[2]; }) };
}

export function sentenceAt(vm, k) {
  const s = vm.steps;
  return fill(s.texts[s.text[k]], s.page[k], s.arg[k]);
}

export function titleAt(vm, k) {
  const s = vm.steps;
  return "step " + k + " of " + (vm.n - 1) + " \u00b7 " + s.phases[s.phase[k]] + " \u00b7 " + fill(s.calls[s.call[k]], s.page[k], s.arg[k]);
}

function niceMax(v) {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* The font size of an svg's labels, and a baseline y that keeps a label of
 * that size inside an svg of height h (its box: about 1em above the baseline, 0.25em below). */
function fontOf(svgEl) { return parseFloat(getComputedStyle(svgEl).fontSize) || 16; }
function labelY(y, h, fs) { return Math.max(Math.ceil(fs), Math.min(h - Math.ceil(fs * 0.25), y)); }

function sizeOf(svgEl) {
  const r = svgEl.getBoundingClientRect();
  return { w: Math.max(120, Math.round(r.width)), h: Math.max(80, Math.round(r.height)) };
}

/* ---- panels ------------------------------------------------------------ */

/* A panel's drawing: the static SVG (redrawn only when the view or the size
 * changes) under an overlay SVG on its own compositing layer for what moves
 * every step (the current step's marker, the faded or hidden future, the
 * framed cell), so a step never repaints the big static paths. */
function layered(name) {
  const div = el("div", "zvp-layer");
  const st = svg("svg", { class: "zvp-svg", "data-panel": name, role: "img" }, div);
  const over = svg("svg", { class: "zvp-over", "aria-hidden": "true" }, div);
  return [div, st, over];
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function GridPanel(player, box) {
  this.p = player;
  this.head = el("div", "zvp-ph");
  const lay = layered("grid");
  this.svg = lay[1]; this.over = lay[2];
  this.legend = el("div", "zvp-legend");
  box.appendChild(this.head); box.appendChild(lay[0]); box.appendChild(this.legend);
}

GridPanel.prototype.build = function () {
  const x = this.p.x, vm = x.vm, g = vm.grid, m = x.m;
  this.head.textContent = "xarray slots: swap offsets " + vm.base + "\u2013" + (vm.base + m - 1);
  const sv = this.svg;
  clear(sv); clear(this.over);
  const size = sizeOf(sv), labelW = g.rows > 1 ? Math.ceil(fontOf(sv) * 5.2) : 0;
  const cell = Math.max(2, Math.min((size.w - labelW - 4) / g.columns, (size.h - 4) / g.rows, 64));
  this.cell = cell;
  this.labelW = labelW;
  const gap = cell >= 8 ? 1.5 : cell >= 4 ? 0.6 : 0;
  const gr = svg("g", {}, sv);
  this.shown = new Int16Array(m).fill(-1);
  this.gap = gap;
  if (this.canvas) { this.canvas.remove(); this.canvas = null; }
  if (m > CANVAS_CELLS) {
    // thousands of slots: one canvas under the SVG, only changed cells repainted (no DOM per cell)
    const cv = document.createElement("canvas"), dpr = window.devicePixelRatio || 1;
    cv.className = "zvp-canvas";
    cv.width = Math.round(size.w * dpr); cv.height = Math.round(size.h * dpr);
    this.svg.parentNode.insertBefore(cv, this.svg);
    this.canvas = cv;
    this.ctx = cv.getContext("2d");
    this.ctx.scale(dpr, dpr);
    this.rects = null;
  } else {
    this.rects = new Array(m);
    for (let i = 0; i < m; i++) {
      const r = svg("rect", { x: labelW + (i % g.columns) * cell, y: 2 + Math.floor(i / g.columns) * cell,
        width: Math.max(cell - gap, 1), height: Math.max(cell - gap, 1), "data-page": i, class: "zvp-cell" }, gr);
      this.rects[i] = r;
    }
  }
  this.labels = [];
  if (cell >= 40 && m <= 64) {
    for (let i = 0; i < m; i++) {
      const t = svg("text", { x: labelW + (i % g.columns) * cell + 3, y: 2 + Math.floor(i / g.columns) * cell + 17 }, gr);
      t.textContent = String(i);
      t.setAttribute("class", "zvp-celltext");
    }
  }
  if (labelW) {
    const every = Math.max(1, Math.ceil(20 / cell));
    for (let r = 0; r < g.rows; r += every) {
      const t = svg("text", { x: labelW - 6, y: labelY(2 + r * cell + Math.min(cell, 20) / 2 + 6, size.h, fontOf(sv)), "text-anchor": "end" }, sv);
      t.textContent = "page " + r * g.columns;
    }
  }
  // folio boundaries, where a folio spans whole rows
  const fp = g.folio_pages;
  if (fp >= g.columns && fp % g.columns === 0 && fp < m) {
    for (let f = fp; f < m; f += fp) {
      const y = 2 + (f / g.columns) * cell - gap / 2;
      svg("line", { x1: labelW, x2: labelW + g.columns * cell, y1: y, y2: y, class: "zvp-marker" }, sv);
    }
  }
  this.here = svg("rect", { class: "zvp-here", width: cell, height: cell, visibility: "hidden" }, this.over);
  const used = {};
  for (let i = 0; i < m; i++) used[vm.cells.initial.state[i]] = 1;
  vm.cells.changes.state.forEach(function (s) { used[s] = 1; });
  this.legend.textContent = "";
  const self = this;
  vm.states.forEach(function (name, code) {
    if (!used[code]) return;
    const it = el("span");
    const sw = el("span", "zvp-sw");
    sw.style.background = self.color(code);
    it.appendChild(sw);
    it.appendChild(document.createTextNode(name));
    it.title = vm.state_meanings[code];
    self.legend.appendChild(it);
  });
};

GridPanel.prototype.color = function (code) {
  const vm = this.p.x.vm;
  return vm.states[code] === "empty" ? "var(--zvp-empty)" : vm.colors[code];
};

GridPanel.prototype.update = function (state, page) {
  const vm = this.p.x.vm, shown = this.shown, rects = this.rects, m = this.p.x.m;
  if (rects) {
    for (let i = 0; i < m; i++) {
      const s = state.state[i];
      if (shown[i] !== s) {
        shown[i] = s;
        rects[i].style.fill = this.color(s);
        rects[i].setAttribute("data-state", vm.states[s]);
      }
    }
  } else {
    const ctx = this.ctx, g = vm.grid, cell = this.cell, w = Math.max(cell - this.gap, 1);
    const empty = getComputedStyle(this.p.root).getPropertyValue("--zvp-empty").trim() || "#e4e7ea";
    for (let i = 0; i < m; i++) {
      const s = state.state[i];
      if (shown[i] !== s) {
        shown[i] = s;
        ctx.fillStyle = vm.states[s] === "empty" ? empty : vm.colors[s];
        ctx.fillRect(this.labelW + (i % g.columns) * cell, 2 + Math.floor(i / g.columns) * cell, w, w);
      }
    }
  }
  if (page >= 0 && page < m) {
    const g = vm.grid;
    this.here.setAttribute("x", this.labelW + (page % g.columns) * this.cell);
    this.here.setAttribute("y", 2 + Math.floor(page / g.columns) * this.cell);
    this.here.setAttribute("visibility", "visible");
    this.here.setAttribute("data-page", String(page));
  } else { this.here.setAttribute("visibility", "hidden"); this.here.setAttribute("data-page", ""); }
};

function SeriesPanel(player, box) {
  this.p = player;
  this.head = el("div", "zvp-ph", "refs held and charge over the steps");
  this.legend = el("div", "zvp-legend");
  const lay = layered("refs");
  this.svg = lay[1]; this.over = lay[2];
  box.appendChild(this.head); box.appendChild(this.legend); box.appendChild(lay[0]);
}

SeriesPanel.prototype.build = function () {
  const x = this.p.x, vm = x.vm, n = x.n, sv = this.svg;
  clear(sv); clear(this.over);
  const size = sizeOf(sv), fs = fontOf(sv), L = Math.ceil(fs * 3.4), R = 8, T = 8, B = Math.ceil(fs * 1.6);
  const W = size.w - L - R, H = size.h - T - B;
  const keys = vm.chart.left, right = vm.chart.right;
  let lo = 0, hi = 1;
  keys.forEach(function (k) { const a = x.values[k]; for (let i = 0; i < n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]; } });
  hi = niceMax(hi); lo = lo < 0 ? -niceMax(-lo) : 0;
  const ra = x.values[right];
  let rlo = 0, rhi = 1;
  if (ra) for (let i = 0; i < n; i++) { if (ra[i] / 1024 < rlo) rlo = ra[i] / 1024; if (ra[i] / 1024 > rhi) rhi = ra[i] / 1024; }
  rhi = niceMax(rhi); rlo = rlo < 0 ? -niceMax(-rlo) : 0;
  const X = function (k) { return L + (n > 1 ? (k / (n - 1)) * W : 0); };
  const Y = function (v) { return T + H - ((v - lo) / (hi - lo)) * H; };
  const YR = function (v) { return T + H - ((v - rlo) / (rhi - rlo)) * H; };
  this.X = X; this.T = T; this.H = H; this.L = L; this.W = W;
  svg("line", { x1: L, x2: L + W, y1: Y(0), y2: Y(0), class: "zvp-axis" }, sv);
  [[lo, Y], [hi, Y]].forEach(function (t) {
    const tx = svg("text", { x: L - 6, y: labelY(t[1](t[0]) + 6, T + H + fs * 0.25, fs), "text-anchor": "end" }, sv); tx.textContent = fmt(t[0]);
  });
  [[rhi, "KiB"]].forEach(function (t) {
    // the right axis' top value, inside the plot's top right corner
    const tx = svg("text", { x: L + W - 4, y: labelY(YR(t[0]) + fs, size.h, fs), "text-anchor": "end" }, sv); tx.textContent = fmt(t[0]) + " " + t[1];
    tx.style.fill = SERIES_COLORS.right;
  });
  const xt = svg("text", { x: L + W, y: labelY(T + H + fs * 1.2, size.h, fs), "text-anchor": "end" }, sv); xt.textContent = "step " + (n - 1);
  const x0 = svg("text", { x: L, y: labelY(T + H + fs * 1.2, size.h, fs) }, sv); x0.textContent = "step 0";
  const g = svg("g", {}, sv);
  vm.steps.failed.forEach(function (k) { svg("line", { x1: X(k), x2: X(k), y1: T, y2: T + H, class: "zvp-failline" }, g); });
  const self = this;
  function path(a, yf, color, dash) {
    let d = "M" + X(0).toFixed(1) + "," + yf(a[0]).toFixed(1);
    for (let k = 1; k < n; k++) if (a[k] !== a[k - 1]) d += "H" + X(k).toFixed(1) + "V" + yf(a[k]).toFixed(1);
    d += "H" + X(n - 1).toFixed(1);
    svg("path", { d: d, fill: "none", stroke: color, "stroke-width": 2.2, "stroke-dasharray": dash || "" }, g);
  }
  keys.forEach(function (k) { path(x.values[k], Y, SERIES_COLORS[k] || "#777"); });
  if (ra) path(Array.from(ra, function (v) { return v / 1024; }), YR, SERIES_COLORS.right, "6 3");
  this.future = svg("rect", { class: "zvp-future", y: T - 2, height: H + 4 }, this.over);
  this.marker = svg("line", { class: "zvp-marker", y1: T, y2: T + H }, this.over);
  this.legend.textContent = "";
  this.vals = {};
  keys.concat(ra ? [right] : []).forEach(function (k) {
    const it = el("span");
    const sw = el("span", "zvp-sw");
    sw.style.background = SERIES_COLORS[k] || SERIES_COLORS.right;
    it.appendChild(sw);
    it.appendChild(document.createTextNode(k === right ? "charge " : k + " "));
    const v = el("b");
    it.appendChild(v);
    it.dataset.key = k;
    self.vals[k] = v;
    self.legend.appendChild(it);
  });
};

SeriesPanel.prototype.update = function (k) {
  const x = this.p.x, X = this.X, spoil = this.p.spoilers;
  const xk = X(k);
  this.marker.setAttribute("x1", xk); this.marker.setAttribute("x2", xk);
  const right = this.L + this.W + 2;
  this.future.setAttribute("x", xk + 1);
  this.future.setAttribute("width", Math.max(0, right - xk - 1));
  this.future.setAttribute("data-hide", spoil ? "0" : "1");
  for (const key in this.vals) {
    const v = x.values[key][k];
    this.vals[key].textContent = key === x.vm.chart.right ? fmt(v / 1024) + " KiB" : fmt(v);
  }
};

function SizesPanel(player, box) {
  this.p = player;
  this.head = el("div", "zvp-ph", "compressed size per page, zsmalloc class");
  this.note = el("div", "zvp-note");
  const lay = layered("sizes");
  this.svg = lay[1]; this.over = lay[2];
  this.legend = el("div", "zvp-legend");
  box.appendChild(this.head); box.appendChild(this.note); box.appendChild(lay[0]); box.appendChild(this.legend);
}

SizesPanel.prototype.build = function () {
  const x = this.p.x, vm = x.vm, m = x.m, sv = this.svg, sz = vm.sizes;
  clear(sv); clear(this.over);
  const size = sizeOf(sv), fs = fontOf(sv), L = Math.ceil(fs * 3.4), R = 6, T = 6, B = 6;
  const W = size.w - L - R, H = size.h - T - B;
  let top = sz.page_size * 1.12;
  sz.events.compressed.forEach(function (c) { if (c * 1.05 > top) top = c * 1.05; });
  const Y = function (v) { return T + H - (v / top) * H; };
  const bw = W / m;
  this.Y = Y; this.bw = bw; this.L = L; this.T = T; this.H = H;
  [0, 2048, 4096].forEach(function (v) {
    const t = svg("text", { x: L - 6, y: labelY(Y(v) + 6, size.h, fs), "text-anchor": "end" }, sv); t.textContent = String(v);
  });
  this.band = svg("rect", { class: "zvp-band", y: T, height: H, width: Math.max(bw, 2), visibility: "hidden" }, this.over);
  // all bars in one path and all class marks in another: a step rewrites two attributes, not 2 x pages
  this.barPath = svg("path", { fill: "#81c784", d: "" }, sv);
  this.clsPath = svg("path", { fill: "#1b5e20", d: "" }, sv);
  this.barW = Math.max(bw - (bw > 4 ? 1 : 0), 0.5);
  if (this.canvas) { this.canvas.remove(); this.canvas = null; }
  if (m > CANVAS_CELLS) {
    // thousands of pages: the bars on one canvas under the SVG, each changed page's column repainted alone
    const cv = document.createElement("canvas"), dpr = window.devicePixelRatio || 1;
    cv.className = "zvp-canvas";
    cv.width = Math.round(size.w * dpr); cv.height = Math.round(size.h * dpr);
    sv.parentNode.insertBefore(cv, sv);
    this.canvas = cv;
    this.ctx = cv.getContext("2d");
    this.ctx.scale(dpr, dpr);
  }
  svg("line", { x1: L, x2: L + W, y1: Y(sz.page_size), y2: Y(sz.page_size), stroke: "var(--zvp-fg)", "stroke-width": 1.2 }, sv);
  svg("line", { x1: L, x2: L + W, y1: Y(sz.huge_class_size), y2: Y(sz.huge_class_size), stroke: "var(--zvp-muted)", "stroke-dasharray": "3 3" }, sv);
  svg("line", { x1: L, x2: L + W, y1: T + H, y2: T + H, class: "zvp-axis" }, sv);
  this.fails = svg("g", { stroke: "var(--zvp-bad)", "stroke-width": 2.5 }, sv);
  this.legend.textContent = "";
  const items = [["#81c784", "compressed"], ["#1b5e20", "zsmalloc class"], ["var(--zvp-fg)", "PAGE_SIZE"],
    ["var(--zvp-muted)", "huge class \u2265 " + sz.huge_class_size]];
  const self = this;
  items.forEach(function (it) {
    const s = el("span"); const sw = el("span", "zvp-sw"); sw.style.background = it[0];
    s.appendChild(sw); s.appendChild(document.createTextNode(it[1])); self.legend.appendChild(s);
  });
  this.shownComp = new Int32Array(m).fill(-99999);
  this.shownCls = new Int32Array(m).fill(-1);
};

SizesPanel.prototype.update = function (k, page) {
  const x = this.p.x, vm = x.vm, m = x.m, sz = sizesAt(x, k), Y = this.Y, T = this.T, H = this.H;
  let failedAny = false, changed = false;
  const ctx = this.canvas ? this.ctx : null;
  for (let i = 0; i < m; i++) {
    const c = sz.comp[i], cl = sz.cls[i];
    if (this.shownComp[i] !== c || this.shownCls[i] !== cl) {
      changed = true; this.shownComp[i] = c; this.shownCls[i] = cl;
      if (ctx) {
        const x0 = this.L + i * this.bw;
        ctx.clearRect(x0, T - 1, this.bw, H + 2);
        if (c > 0) { ctx.fillStyle = "#81c784"; ctx.fillRect(x0, Y(c), this.barW, T + H - Y(c)); }
        if (cl > 0) { ctx.fillStyle = "#1b5e20"; ctx.fillRect(x0, Y(cl) - 1.5, this.barW, 3); }
      }
    }
    if (c < 0) failedAny = true;
  }
  if (changed && !ctx) {
    const w = this.barW.toFixed(2), base = (T + H).toFixed(1);
    let bars = "", cls = "";
    for (let i = 0; i < m; i++) {
      const c = sz.comp[i], cl = sz.cls[i], x = (this.L + i * this.bw).toFixed(2);
      if (c > 0) bars += "M" + x + "," + base + "V" + Y(c).toFixed(1) + "h" + w + "V" + base + "Z";
      if (cl > 0) cls += "M" + x + "," + (Y(cl) - 1.5).toFixed(1) + "h" + w + "v3h-" + w + "Z";
    }
    this.barPath.setAttribute("d", bars);
    this.clsPath.setAttribute("d", cls);
  }
  while (this.fails.firstChild) this.fails.removeChild(this.fails.firstChild);
  if (failedAny) for (let i = 0; i < m; i++) if (sz.comp[i] < 0) {
    const cx = this.L + (i + 0.5) * this.bw, cy = Y(vm.sizes.page_size / 2);
    svg("path", { d: "M" + (cx - 6) + "," + (cy - 6) + "L" + (cx + 6) + "," + (cy + 6) + "M" + (cx - 6) + "," + (cy + 6) + "L" + (cx + 6) + "," + (cy - 6) }, this.fails);
  }
  if (page >= 0) { this.band.setAttribute("x", this.L + page * this.bw); this.band.setAttribute("visibility", "visible"); }
  else this.band.setAttribute("visibility", "hidden");
  // the note: ratio so far and the current page's class
  let done = 0, total = 0;
  for (let i = 0; i < m; i++) if (sz.comp[i] > 0) { done++; total += sz.comp[i]; }
  let t = done ? done + " page(s) compressed, ratio " + (done * sz_page(vm) / total).toFixed(2) + ":1" : "no page compressed yet";
  if (page >= 0) {
    const c = sz.comp[page], cl = sz.cls[page];
    if (c < 0) t += " \u00b7 page " + page + ": the compressor failed";
    else if (c > 0) {
      t += " \u00b7 page " + page + ": " + c + " B";
      const info = vm.sizes.classes[String(cl)];
      if (cl > 0 && info) t += " \u2192 class " + cl + " B (" + info[0] + " page(s)/zspage, " + info[1] + " obj)";
    }
  }
  this.note.textContent = t;
};

function sz_page(vm) { return vm.sizes.page_size; }

function RollbackPanel(player, box) {
  this.p = player;
  this.head = el("div", "zvp-ph", "stores, the failure, and the erases that undid them");
  this.note = el("div", "zvp-note");
  const lay = layered("rollback");
  this.svg = lay[1]; this.over = lay[2];
  this.legend = el("div", "zvp-legend");
  box.appendChild(this.head); box.appendChild(this.note); box.appendChild(lay[0]); box.appendChild(this.legend);
}

RollbackPanel.prototype.build = function () {
  const x = this.p.x, vm = x.vm, n = x.n, m = x.m, sv = this.svg, rb = vm.rollback;
  clear(sv); clear(this.over);
  const size = sizeOf(sv), fs = fontOf(sv), L = Math.ceil(fs * 5.2), R = 8, T = 6, B = 6;
  const W = size.w - L - R, H = size.h - T - B;
  const X = function (k) { return L + (n > 1 ? (k / (n - 1)) * W : 0); };
  const Y = function (p) { return T + ((p + 0.5) / m) * H; };
  this.X = X; this.L = L; this.W = W; this.T = T; this.H = H;
  [0, m - 1].forEach(function (p) { const t = svg("text", { x: L - 6, y: labelY(Y(p) + 6, size.h, fs), "text-anchor": "end" }, sv); t.textContent = "page " + p; });
  const g = svg("g", {}, sv);
  vm.steps.failed.forEach(function (k) { svg("line", { x1: X(k), x2: X(k), y1: T, y2: T + H, class: "zvp-failline" }, g); });
  const undone = {};
  let red = "", stale = "", green = "", dots = "", crosses = "", empties = "";
  const lw = m <= 64 ? 3 : 1.2, r = m <= 64 ? 4 : 1.5;
  for (let j = 0; j < rb.undo.step.length; j++) {
    const s = rb.undo.store[j], e = rb.undo.step[j], p = rb.undo.page[j], y = Y(p).toFixed(1);
    if (s >= 0) { undone[s + ":" + p] = 1; red += "M" + X(s).toFixed(1) + "," + y + "H" + X(e).toFixed(1); }
    else stale += "M" + L + "," + y + "H" + X(e).toFixed(1);
    const cx = X(e);
    crosses += "M" + (cx - r) + "," + (Y(p) - r) + "l" + 2 * r + "," + 2 * r + "M" + (cx - r) + "," + (Y(p) + r) + "l" + 2 * r + "," + -2 * r;
  }
  for (let j = 0; j < rb.stores.step.length; j++) {
    const s = rb.stores.step[j], p = rb.stores.page[j];
    if (!undone[s + ":" + p]) green += "M" + X(s).toFixed(1) + "," + Y(p).toFixed(1) + "H" + X(n - 1).toFixed(1);
    if (m <= 64) dots += "M" + (X(s) - r) + "," + Y(p).toFixed(1) + "a" + r + "," + r + " 0 1,0 " + 2 * r + ",0a" + r + "," + r + " 0 1,0 " + -2 * r + ",0";
  }
  for (let j = 0; j < rb.empty.step.length; j++) {
    const e = X(rb.empty.step[j]), p = Y(rb.empty.page[j]);
    empties += "M" + e.toFixed(1) + "," + (p - r).toFixed(1) + "v" + 2 * r;
  }
  const colors = vm.colors, st = vm.states;
  svg("path", { d: stale || "M0,0", stroke: colors[st.indexOf("stale")], "stroke-width": lw, fill: "none" }, g);
  svg("path", { d: green || "M0,0", stroke: colors[st.indexOf("stored")], "stroke-width": lw, fill: "none" }, g);
  svg("path", { d: red || "M0,0", stroke: "var(--zvp-bad)", "stroke-width": lw, fill: "none" }, g);
  svg("path", { d: empties || "M0,0", stroke: "var(--zvp-muted)", "stroke-width": 1.5, fill: "none" }, g);
  if (dots) svg("path", { d: dots, fill: colors[st.indexOf("stored")] }, g);
  svg("path", { d: crosses || "M0,0", stroke: "var(--zvp-bad)", "stroke-width": 2, fill: "none" }, g);
  this.future = svg("rect", { class: "zvp-future", y: T - 4, height: H + 8 }, this.over);
  this.marker = svg("line", { class: "zvp-marker", y1: T, y2: T + H }, this.over);
  this.legend.textContent = "";
  const self = this;
  [[colors[st.indexOf("stored")], "xa_store"], ["var(--zvp-bad)", "undone"],
    [colors[st.indexOf("stale")], "stale"], ["var(--zvp-muted)", "empty xa_erase"]].forEach(function (it) {
    const s = el("span"); const sw = el("span", "zvp-sw"); sw.style.background = it[0];
    s.appendChild(sw); s.appendChild(document.createTextNode(it[1])); self.legend.appendChild(s);
  });
};

RollbackPanel.prototype.update = function (k) {
  const x = this.p.x, vm = x.vm, spoil = this.p.spoilers, xk = this.X(k);
  this.marker.setAttribute("x1", xk); this.marker.setAttribute("x2", xk);
  this.future.setAttribute("x", xk + 1);
  this.future.setAttribute("width", Math.max(0, this.L + this.W + 8 - xk - 1));
  this.future.setAttribute("data-hide", spoil ? "0" : "1");
  const first = vm.steps.failed.length ? vm.steps.failed[0] : null;
  if (spoil || (first !== null && k >= first)) this.note.textContent = vm.rollback.note;
  else this.note.textContent = first === null && k === x.n - 1 ? vm.rollback.note : "no failure so far";
};

function Counters(player, box) {
  this.p = player;
  this.table = el("table", "zvp-counters");
  box.appendChild(this.table);
}

Counters.prototype.build = function () {
  const vm = this.p.x.vm, self = this;
  this.table.textContent = "";
  this.rows = [];
  vm.counters.forEach(function (c) {
    if (!self.p.x.values[c[0]]) return;
    const tr = el("tr"); tr.dataset.key = c[0]; tr.title = c[1];
    const a = el("td", null, c[0]), b = el("td"), d = el("td");
    tr.appendChild(a); tr.appendChild(b); tr.appendChild(d);
    self.table.appendChild(tr);
    self.rows.push([c[0], tr, b, d]);
  });
};

Counters.prototype.update = function (k) {
  const v = this.p.x.values;
  this.rows.forEach(function (r) {
    const a = v[r[0]], now = a[k], diff = k > 0 ? now - a[k - 1] : 0;
    r[2].textContent = fmt(now);
    r[3].textContent = diff ? (diff > 0 ? "+" : "") + fmt(diff) : "";
    r[1].classList.toggle("zvp-chg", diff !== 0);
    r[1].classList.toggle("zvp-neg", now < 0);
  });
};

/* ---- the player --------------------------------------------------------- */

let uidSeq = 0;

export function createPlayer(host, opts) {
  return new Player(host, opts || {});
}

function Player(host, opts) {
  ensureStyle(host.ownerDocument || document);
  this.uid = "zvp" + (++uidSeq) + "-" + Math.floor(Math.random() * 1e6);
  this.opts = opts;
  this.onStep = opts.onStep || null;
  this.onLesson = opts.onLesson || null;
  this.spoilers = opts.spoilers !== undefined ? !!opts.spoilers : !opts.lesson;
  this.teacher = !!opts.teacher;
  this.k = -1;
  this.timer = null;
  this.digits = "";
  const root = el("div", "zvp-root");
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "zswapviz explorer");
  // JupyterLab: keys pressed inside the player are the player's, not the notebook's shortcuts
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  if (opts.theme) root.dataset.theme = opts.theme;
  host.appendChild(root);
  this.root = root;
  this.host = host;

  const head = el("div", "zvp-head");
  this.titleEl = el("span", "zvp-title");
  this.metaEl = el("span", "zvp-meta");
  head.appendChild(this.titleEl); head.appendChild(this.metaEl);
  root.appendChild(head);

  this.lessonBox = el("div", "zvp-lesson");
  this.lessonBox.hidden = true;
  root.appendChild(this.lessonBox);

  const bar = el("div", "zvp-bar");
  const self = this;
  this.btn = {
    start: button("|\u25c0", "start", "first step (Home)"),
    prev: button("\u25c0 back", "prev", "previous step (\u2190)"),
    play: button("\u25b6 play", "play", "play / pause (p)"),
    next: button("forward \u25b6", "next", "next step (\u2192)"),
    end: button("\u25b6|", "end", "last step (End)"),
  };
  ["start", "prev", "play", "next", "end"].forEach(function (k) { bar.appendChild(self.btn[k]); });
  this.slider = el("input", "zvp-slider");
  this.slider.type = "range"; this.slider.min = "0"; this.slider.value = "0";
  this.slider.setAttribute("aria-label", "step");
  bar.appendChild(this.slider);
  this.count = el("span", "zvp-count");
  bar.appendChild(this.count);
  root.appendChild(bar);

  const bar2 = el("div", "zvp-bar");
  this.btn.failure = button("to failure", "failure", "the next failed step (f)");
  this.btn.rollback = button("to rollback", "rollback", "the next rollback (r)");
  this.btn.nextpage = button("next page", "nextpage", "the first step of the next page");
  bar2.appendChild(this.btn.failure); bar2.appendChild(this.btn.rollback); bar2.appendChild(this.btn.nextpage);
  this.pageInput = el("input", "zvp-page");
  this.pageInput.type = "number"; this.pageInput.min = "0"; this.pageInput.placeholder = "page";
  this.pageInput.setAttribute("aria-label", "go to page");
  bar2.appendChild(this.pageInput);
  this.btn.page = button("go to page", "page", "the first step on this page (digits, then g)");
  bar2.appendChild(this.btn.page);
  this.speed = el("select", "zvp-speed");
  this.speed.setAttribute("aria-label", "steps per second");
  [1, 2, 5, 10, 30, 60, 120, 400].forEach(function (s) { const o = el("option", null, s + " steps/s"); o.value = String(s); self.speed.appendChild(o); });
  bar2.appendChild(this.speed);
  this.btn.spoilers = button("no spoilers", "spoilers", "draw only what has happened up to this step");
  this.btn.counters = button("counters", "counters", "show the counters table");
  this.btn.present = button("present", "present", "full window, larger type (Esc leaves)");
  bar2.appendChild(this.btn.spoilers); bar2.appendChild(this.btn.counters); bar2.appendChild(this.btn.present);
  this.status = el("span", "zvp-status");
  bar2.appendChild(this.status);
  root.appendChild(bar2);
  if (opts.controls === false) { bar.hidden = true; bar2.hidden = true; head.hidden = true; }

  const now = el("div", "zvp-now");
  const sent = el("div", "zvp-sentence");
  this.callEl = el("div", "zvp-call");
  this.textEl = el("div", "zvp-text");
  sent.appendChild(this.callEl); sent.appendChild(this.textEl);
  now.appendChild(sent);
  this.badge = el("div", "zvp-badge");
  this.badgeText = el("span", "zvp-badge-text");
  this.badgeBtn = button("details", "details", "every violation so far");
  this.badge.appendChild(this.badgeText); this.badge.appendChild(this.badgeBtn);
  now.appendChild(this.badge);
  this.details = el("div", "zvp-details");
  this.details.hidden = true;
  now.appendChild(this.details);
  root.appendChild(now);

  const main = el("div", "zvp-main");
  const panels = el("div", "zvp-panels");
  const boxes = [0, 1, 2, 3].map(function () { const b = el("div", "zvp-panel"); panels.appendChild(b); return b; });
  this.grid = new GridPanel(this, boxes[0]);
  this.sizes = new SizesPanel(this, boxes[1]);
  this.series = new SeriesPanel(this, boxes[2]);
  this.rollback = new RollbackPanel(this, boxes[3]);
  main.appendChild(panels);
  this.side = el("div", "zvp-side");
  this.codeRoot = el("div", "zvp-code");
  this.counterBox = el("div");
  this.counters = new Counters(this, this.counterBox);
  this.side.appendChild(this.codeRoot); this.side.appendChild(this.counterBox);
  main.appendChild(this.side);
  this.main = main;
  root.appendChild(main);
  this.showCounters = !!opts.counters;

  root.addEventListener("click", function (ev) {
    const t = ev.target.closest ? ev.target.closest("[data-act]") : null;
    if (!t || !root.contains(t)) return;
    self.act(t.dataset.act);
  });
  this.slider.addEventListener("input", function () { self.stop(); self.show(Number(self.slider.value)); });
  this.pageInput.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); ev.stopPropagation(); self.act("page"); }
  });
  this.speed.addEventListener("change", function () { if (self.timer) { self.stop(); self.play(); } });
  this.keyHandler = function (ev) { self.key(ev); };
  root.addEventListener("keydown", this.keyHandler);
  this.docKey = function (ev) { if (ev.key === "Escape" && root.dataset.present === "1") self.act("present"); };
  document.addEventListener("keydown", this.docKey);
  if (typeof ResizeObserver !== "undefined") {
    let last = 0;
    this.ro = new ResizeObserver(function () {
      const w = Math.round(root.getBoundingClientRect().width);
      if (w && Math.abs(w - last) > 2 && self.x) { last = w; self.relayout(); }
    });
    this.ro.observe(root);
  }
  if (opts.lesson) this.setLesson(opts.lesson, opts.frame || 0);
  else if (opts.vm) this.setView(opts.vm, opts.step || 0);
}

Player.prototype.setView = function (vm, k) {
  this.stop();
  this.x = decode(vm);
  const x = this.x, meta = vm.meta || {};
  this.titleEl.textContent = (vm.label ? vm.label + " \u00b7 " : "") + (vm.title || "");
  this.metaEl.textContent = "kernel " + meta.kernel + ", refs " + meta.refs + ", " + meta.compressor + ", " +
    meta.folios + " folio(s) of " + meta.folio_pages + " page(s)" + (meta.unmerged ? " (unmerged model)" : "");
  this.slider.max = String(x.n - 1);
  this.pageInput.max = String(x.m - 1);
  const def = x.n > 2000 ? 120 : x.n > 300 ? 30 : 5;
  this.speed.value = String(def);
  this.btn.failure.disabled = !vm.marks.failure.length;
  this.btn.rollback.disabled = !vm.marks.rollback.length;
  this.hasCode = !!(vm.code && vm.listings);
  this.codeRoot.hidden = !this.hasCode;
  this.codeRoot.textContent = "";
  this.k = -1;
  this.cur = null;
  this.relayout();
  this.show(k || 0);
};

Player.prototype.relayout = function () {
  if (!this.x) return;
  const side = this.hasCode || this.showCounters;
  this.main.classList.toggle("zvp-with-side", side);
  this.side.hidden = !side;
  this.counterBox.hidden = !this.showCounters;
  this.btn.counters.setAttribute("aria-pressed", String(this.showCounters));
  this.btn.spoilers.setAttribute("aria-pressed", String(!this.spoilers));
  this.btn.present.setAttribute("aria-pressed", String(this.root.dataset.present === "1"));
  this.grid.build(); this.series.build(); this.sizes.build(); this.rollback.build(); this.counters.build();
  const k = this.k;
  this.k = -1; this.cur = null;
  if (k >= 0) this.show(k);
};

Player.prototype.act = function (a) {
  const x = this.x;
  if (!x) return;
  const vm = x.vm;
  if (a === "play") { if (this.timer) this.stop(); else this.play(); return; }
  if (a === "details") { this.details.hidden = !this.details.hidden; return; }
  if (a === "spoilers") { this.spoilers = !this.spoilers; this.relayout(); return; }
  if (a === "counters") { this.showCounters = !this.showCounters; this.relayout(); return; }
  if (a === "present") {
    const on = this.root.dataset.present !== "1";
    if (on) this.root.dataset.present = "1"; else delete this.root.dataset.present;
    this.relayout();
    this.root.focus();
    return;
  }
  if (a.indexOf("lesson:") === 0) { this.lessonAct(a.slice(7)); return; }
  this.stop();
  if (a === "next") this.show(this.k + 1);
  else if (a === "prev") this.show(this.k - 1);
  else if (a === "start") this.show(0);
  else if (a === "end") this.show(x.n - 1);
  else if (a === "failure" || a === "rollback") {
    const t = jumpTarget(vm.marks[a], this.k);
    if (t === null) this.status.textContent = "no " + a + " in this run"; else this.show(t);
  } else if (a === "nextpage") {
    const here = vm.steps.page[this.k];
    let t = x.n - 1;
    for (let j = this.k + 1; j < x.n; j++) { const p = vm.steps.page[j]; if (p >= 0 && p !== here) { t = j; break; } }
    this.show(t);
  } else if (a === "page") this.gotoPage(this.pageInput.value);
};

Player.prototype.gotoPage = function (text) {
  const x = this.x, p = Number(text);
  const s = text !== "" && Number.isInteger(p) && p >= 0 && p < x.m ? x.vm.marks.page_first[p] : -1;
  if (s < 0) { this.status.textContent = text === "" ? "type a page number" : "no step on page " + text; return false; }
  this.show(s);
  return true;
};

Player.prototype.key = function (ev) {
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const t = ev.target, tag = t && t.tagName ? t.tagName.toLowerCase() : "";
  if (tag === "input" && t.type !== "range" || tag === "select" || tag === "textarea") return;
  const k = ev.key;
  let a = null;
  if (/^[0-9]$/.test(k)) { this.digits = (this.digits + k).slice(-6); this.status.textContent = "page " + this.digits + " (g to go)"; ev.preventDefault(); ev.stopPropagation(); return; }
  if (k === "g" && this.digits) { const d = this.digits; this.digits = ""; this.status.textContent = ""; this.stop(); this.gotoPage(d); ev.preventDefault(); ev.stopPropagation(); return; }
  this.digits = "";
  if (k === "ArrowRight") a = this.lesson && ev.shiftKey ? "lesson:next" : "next";
  else if (k === "ArrowLeft") a = this.lesson && ev.shiftKey ? "lesson:prev" : "prev";
  else if (k === "Home") a = "start";
  else if (k === "End") a = "end";
  else if (k === "f") a = "failure";
  else if (k === "r") a = "rollback";
  else if (k === "p" || k === " ") a = "play";
  else if (k === "n" && this.lesson) a = "lesson:next";
  else if (k === "b" && this.lesson) a = "lesson:prev";
  else if (k === "Escape" && this.root.dataset.present === "1") a = "present";
  if (!a) return;
  ev.preventDefault();
  ev.stopPropagation();
  this.act(a);
};

Player.prototype.play = function () {
  const self = this, x = this.x;
  if (this.k >= x.n - 1) this.show(0);
  const rate = Number(this.speed.value) || 5;
  let last = performance.now(), acc = 0;
  this.btn.play.textContent = "\u2016 pause";
  this.root.dataset.playing = "1";
  const tick = function (now) {
    if (!self.timer) return;
    acc += (now - last) * rate / 1000;
    last = now;
    const adv = Math.floor(acc);
    if (adv > 0) {
      acc -= adv;
      if (self.k >= x.n - 1) { self.stop(); return; }
      self.show(Math.min(x.n - 1, self.k + adv));
    }
    self.timer = requestAnimationFrame(tick);
  };
  this.timer = requestAnimationFrame(tick);
};

Player.prototype.stop = function () {
  if (this.timer) cancelAnimationFrame(this.timer);
  this.timer = null;
  this.btn.play.textContent = "\u25b6 play";
  delete this.root.dataset.playing;
};

Player.prototype.show = function (k, quiet) {
  const x = this.x, vm = x.vm;
  k = Math.max(0, Math.min(x.n - 1, k | 0));
  const prev = this.k;
  if (k === prev && this.cur) return;
  this.k = k;
  this.cur = prev >= 0 && this.cur && k > prev && k - prev < CHECKPOINT ? (applyCells(x, this.cur, prev + 1, k), this.cur) : cellsAt(x, k);
  const page = vm.steps.page[k];
  this.root.dataset.step = String(k);
  this.root.dataset.failed = x.failed[k] ? "1" : "0";
  this.slider.value = String(k);
  this.count.textContent = "step " + k + " / " + (x.n - 1);
  this.status.textContent = "";
  this.callEl.textContent = titleAt(vm, k);
  const text = sentenceAt(vm, k);
  this.textEl.textContent = text;
  this.textEl.title = text;
  const b = badgeAt(vm, k);
  this.badge.dataset.ok = b.ok ? "1" : "0";
  this.badgeText.textContent = (b.ok ? "\u2713 " : "\u2717 ") + b.summary;
  this.badgeBtn.hidden = b.ok;
  if (b.ok) this.details.hidden = true;
  this.details.textContent = "";
  if (!b.ok) {
    const ul = el("ul");
    b.details.forEach(function (t) { ul.appendChild(el("li", null, t)); });
    this.details.appendChild(ul);
  }
  this.grid.update(this.cur, page);
  this.series.update(k);
  this.sizes.update(k, page);
  this.rollback.update(k);
  if (this.showCounters) this.counters.update(k);
  if (this.hasCode) {
    const self = this;
    // in a lesson, the line the current stop points at is marked too
    const lv = this.lesson, point = lv && this.frame != null ? lv.stops[lv.frames[this.frame][0]].line || null : null;
    drawCodePane(this.codeRoot, vm, k, { goto: function (j) { self.stop(); self.show(j); }, present: this.root.dataset.present === "1", spoilers: this.spoilers, other: this.opts.codeOther || null, point: point });
  }
  if (this.onStep && !quiet) this.onStep(k);
};

/* ---- lessons ------------------------------------------------------------ */

Player.prototype.setLesson = function (lv, frame) {
  if (!lv || lv.format !== LESSON_FORMAT) throw new Error("zswapviz: not a " + LESSON_FORMAT + " lesson");
  this.lesson = lv;
  this.teacher = this.teacher || !!lv.teacher;
  if (this.opts.spoilers === undefined) this.spoilers = false;
  this.variant = null;
  this.lessonBox.hidden = false;
  this.lessonBox.textContent = "";
  const lb = this.lessonBox;
  this.lWhere = el("div", "zvp-lesson-where"); lb.appendChild(this.lWhere);
  this.lTitle = el("div", "zvp-lesson-title"); lb.appendChild(this.lTitle);
  this.lNote = el("div", "zvp-lesson-note"); lb.appendChild(this.lNote);
  this.lQ = el("div", "zvp-lesson-q"); lb.appendChild(this.lQ);
  this.lA = el("div", "zvp-lesson-a"); lb.appendChild(this.lA);
  this.lT = el("div", "zvp-lesson-t"); lb.appendChild(this.lT);
  const bar = el("div", "zvp-bar");
  this.lPrev = button("\u25c0 previous stop", "lesson:prev", "undo the last click (b, shift+\u2190)");
  this.lReveal = button("reveal answer", "lesson:reveal", "show the answer");
  this.lNext = button("next stop \u25b6", "lesson:next", "reveal the answer, or the next stop (n, shift+\u2192)");
  [this.lPrev, this.lReveal, this.lNext].forEach(function (b) { bar.appendChild(b); });
  lb.appendChild(bar);
  this.showFrame(frame || 0);
};

Player.prototype.lessonAct = function (a) {
  const lv = this.lesson;
  if (!lv) return;
  let f = this.frame;
  if (a === "next") f = Math.min(lv.frames.length - 1, f + 1);
  else if (a === "prev") f = Math.max(0, f - 1);
  else if (a === "reveal") { const fr = lv.frames[f]; if (lv.stops[fr[0]].question && !fr[1]) f += 1; }
  if (f !== this.frame) this.showFrame(f);
};

Player.prototype.showFrame = function (f, quiet) {
  const lv = this.lesson;
  f = Math.max(0, Math.min(lv.frames.length - 1, f | 0));
  this.frame = f;
  const fr = lv.frames[f], stop = lv.stops[fr[0]], revealed = fr[1];
  if (this.variant !== stop.variant || !this.x) {
    this.variant = stop.variant;
    this.setView(lv.views[stop.variant], stop.step);
  }
  this.show(stop.step, true);
  this.root.dataset.frame = String(f);
  this.root.dataset.stop = String(stop.number);
  this.lWhere.textContent = "Lesson: " + lv.title + " \u00b7 stop " + stop.number + " of " + lv.stops.length +
    " \u00b7 step " + stop.step + (stop.variant ? " of variant " + stop.variant : "");
  this.lTitle.textContent = stop.title || "";
  this.lTitle.hidden = !stop.title;
  this.lNote.textContent = stop.note;
  this.lQ.hidden = !stop.question;
  this.lQ.textContent = stop.question ? "Question: " + stop.question : "";
  const answer = revealed ? stop.answer : "";
  this.lA.hidden = !answer;
  this.lA.textContent = answer ? "Answer: " + answer : "";
  const teacher = this.teacher && stop.teacher && !revealed ? stop.teacher : "";
  this.lT.hidden = !teacher;
  this.lT.textContent = teacher ? "Teacher's answer: " + teacher + (stop.teacher_note ? " \u2014 " + stop.teacher_note : "") : "";
  this.lPrev.disabled = f === 0;
  this.lNext.disabled = f === lv.frames.length - 1;
  this.lReveal.disabled = !stop.question || revealed;
  if (this.onStep && !quiet) this.onStep(this.k);
  if (this.onLesson && !quiet) this.onLesson(f);
};

Player.prototype.leaveLesson = function () {
  this.lesson = null;
  this.lessonBox.hidden = true;
  this.lessonBox.textContent = "";
};

Player.prototype.destroy = function () {
  this.stop();
  if (this.ro) this.ro.disconnect();
  document.removeEventListener("keydown", this.docKey);
  if (this.root.parentNode) this.root.parentNode.removeChild(this.root);
};

/* ---- two runs aligned by kernel event ------------------------------------- */

export function createPair(host, opts) {
  return new Pair(host, opts);
}

function Pair(host, opts) {
  ensureStyle(host.ownerDocument || document);
  const data = opts.pair, self = this;
  this.data = data;
  this.onRow = opts.onRow || null;
  this.timer = null;
  this.digits = "";
  const root = el("div", "zvp-root zvp-pair");
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "zswapviz side by side");
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  host.appendChild(root);
  this.root = root;
  const bar = el("div", "zvp-bar");
  this.btn = { start: button("|\u25c0", "start", "first event (Home)"), prev: button("\u25c0", "prev", "previous event (\u2190)"),
    play: button("\u25b6 play", "play", "play / pause (p)"), next: button("\u25b6", "next", "next event (\u2192)"),
    end: button("\u25b6|", "end", "last event (End)") };
  ["start", "prev", "play", "next", "end"].forEach(function (k) { bar.appendChild(self.btn[k]); });
  this.slider = el("input", "zvp-slider");
  this.slider.type = "range"; this.slider.min = "0"; this.slider.setAttribute("aria-label", "event");
  bar.appendChild(this.slider);
  this.count = el("span", "zvp-count");
  bar.appendChild(this.count);
  root.appendChild(bar);
  const bar2 = el("div", "zvp-bar");
  bar2.appendChild(button("to failure", "failure", "the next event where either side fails (f)"));
  bar2.appendChild(button("to rollback", "rollback", "the next rollback on either side (r)"));
  bar2.appendChild(button("next page", "nextpage", "the first event of the next page"));
  this.speed = el("select", "zvp-speed");
  [1, 2, 5, 10, 30, 60, 120].forEach(function (s) { const o = el("option", null, s + " events/s"); o.value = String(s); self.speed.appendChild(o); });
  this.speed.value = "5";
  bar2.appendChild(this.speed);
  this.btn.spoilers = button("no spoilers", "spoilers", "draw only what has happened up to this step");
  this.btn.present = button("present", "present", "full window, larger type (Esc leaves)");
  bar2.appendChild(this.btn.spoilers); bar2.appendChild(this.btn.present);
  root.appendChild(bar2);
  this.noteEl = el("div", "zvp-note zvp-pair-note");
  root.appendChild(this.noteEl);
  const cols = el("div", "zvp-panels");
  this.sides = [];
  this.heads = [];
  ["a", "b"].forEach(function (key, i) {
    const col = el("div", "zvp-pair-side");
    const h = el("div", "zvp-title", data.labels[i]);
    col.appendChild(h);
    self.heads.push(h);
    const inner = el("div");
    col.appendChild(inner);
    cols.appendChild(col);
    self.sides.push(new Player(inner, { vm: data[key], controls: false, spoilers: opts.spoilers, codeOther: data[i ? "a" : "b"] }));
  });
  root.appendChild(cols);
  const det = el("details");
  this.summary = el("summary", null, "counters");
  det.appendChild(this.summary);
  this.table = el("table", "zvp-counters");
  det.appendChild(this.table);
  root.appendChild(det);
  const rows = data.rows, n = rows.length;
  this.at = [new Int32Array(n), new Int32Array(n)];
  for (let s = 0; s < 2; s++) { let last = 0; for (let r = 0; r < n; r++) { if (rows[r][s] >= 0) last = rows[r][s]; this.at[s][r] = last; } }
  this.slider.max = String(n - 1);
  this.rowsN = n;
  this.spoilers = this.sides[0].spoilers;
  root.addEventListener("click", function (ev) {
    const t = ev.target.closest ? ev.target.closest("[data-act]") : null;
    if (!t || !root.contains(t)) return;
    self.act(t.dataset.act);
  });
  this.slider.addEventListener("input", function () { self.stop(); self.show(Number(self.slider.value)); });
  root.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const map = { ArrowRight: "next", ArrowLeft: "prev", Home: "start", End: "end", f: "failure", r: "rollback", p: "play", " ": "play" };
    if (ev.key === "Escape" && root.dataset.present === "1") { ev.preventDefault(); self.act("present"); return; }
    const a = map[ev.key];
    if (!a || (ev.target.tagName || "").toLowerCase() === "select") return;
    ev.preventDefault(); ev.stopPropagation(); self.act(a);
  });
  this.r = -1;
  this.show(opts.row || 0);
}

Pair.prototype.act = function (a) {
  const d = this.data;
  if (a === "play") { if (this.timer) this.stop(); else this.play(); return; }
  if (a === "spoilers" || a === "present") {
    if (a === "present") { if (this.root.dataset.present === "1") delete this.root.dataset.present; else this.root.dataset.present = "1"; }
    else this.spoilers = !this.spoilers;
    const self = this;
    this.btn.spoilers.setAttribute("aria-pressed", String(!this.spoilers));
    this.sides.forEach(function (p) { p.spoilers = self.spoilers; p.relayout(); });
    return;
  }
  this.stop();
  if (a === "next") this.show(this.r + 1);
  else if (a === "prev") this.show(this.r - 1);
  else if (a === "start") this.show(0);
  else if (a === "end") this.show(this.rowsN - 1);
  else if (a === "failure" || a === "rollback") { const t = jumpTarget(d.marks[a], this.r); if (t !== null) this.show(t); }
  else if (a === "nextpage") {
    const self = this;
    const pageOf = function (r) { const i = d.rows[r][0], j = d.rows[r][1]; return i >= 0 ? d.a.steps.page[i] : d.b.steps.page[j]; };
    const here = pageOf(this.r);
    let t = this.rowsN - 1;
    for (let r = this.r + 1; r < self.rowsN; r++) { const p = pageOf(r); if (p >= 0 && p !== here) { t = r; break; } }
    this.show(t);
  }
};

Pair.prototype.play = function () {
  const self = this, rate = Number(this.speed.value) || 5;
  if (this.r >= this.rowsN - 1) this.show(0);
  let last = performance.now(), acc = 0;
  this.btn.play.textContent = "\u2016 pause";
  const tick = function (now) {
    if (!self.timer) return;
    acc += (now - last) * rate / 1000; last = now;
    const adv = Math.floor(acc);
    if (adv > 0) { acc -= adv; if (self.r >= self.rowsN - 1) { self.stop(); return; } self.show(Math.min(self.rowsN - 1, self.r + adv)); }
    self.timer = requestAnimationFrame(tick);
  };
  this.timer = requestAnimationFrame(tick);
};

Pair.prototype.stop = function () {
  if (this.timer) cancelAnimationFrame(this.timer);
  this.timer = null;
  this.btn.play.textContent = "\u25b6 play";
};

Pair.prototype.show = function (r, quiet) {
  const d = this.data, n = this.rowsN;
  r = Math.max(0, Math.min(n - 1, r | 0));
  this.r = r;
  this.root.dataset.row = String(r);
  this.slider.value = String(r);
  this.count.textContent = "event " + r + " / " + (n - 1);
  const row = d.rows[r], self = this;
  this.sides.forEach(function (p, s) {
    p.show(self.at[s][r], true);
    p.root.dataset.held = row[s] < 0 ? "1" : "0";
    p.root.style.opacity = row[s] < 0 ? "0.55" : "";
  });
  this.root.dataset.aligned = row[0] >= 0 && row[1] >= 0 ? "1" : "0";
  this.root.dataset.stepA = String(this.at[0][r]);
  this.root.dataset.stepB = String(this.at[1][r]);
  this.noteEl.textContent = d.notes[String(r)] || "";
  this.counters(r);
  if (this.onRow && !quiet) this.onRow(r);
};

Pair.prototype.counters = function (r) {
  const d = this.data, row = d.rows[r], aligned = row[0] >= 0 && row[1] >= 0;
  const va = this.sides[0].x.values, vb = this.sides[1].x.values, ka = this.at[0][r], kb = this.at[1][r];
  if (!this.trs) {
    this.trs = [];
    const head = el("tr");
    ["counter", d.labels[0], d.labels[1], ""].forEach(function (t) { head.appendChild(el("td", null, t)); });
    this.table.appendChild(head);
    const self = this;
    d.counters.forEach(function (c) {
      if (!va[c[0]] && !vb[c[0]]) return;
      const tr = el("tr"); tr.dataset.key = c[0]; tr.title = c[1];
      const cells = [el("td", null, c[0]), el("td"), el("td"), el("td")];
      cells.forEach(function (x) { tr.appendChild(x); });
      self.table.appendChild(tr);
      self.trs.push([c[0], tr, cells]);
    });
  }
  let differ = 0;
  this.trs.forEach(function (t) {
    const a = va[t[0]] ? va[t[0]][ka] : 0, b = vb[t[0]] ? vb[t[0]][kb] : 0;
    t[2][1].textContent = fmt(a); t[2][2].textContent = fmt(b);
    const differs = aligned && a !== b;
    if (differs) differ++;
    t[1].classList.toggle("zvp-chg", differs);
    t[2][3].textContent = aligned ? (differs ? "differs" : "") : "not compared";
  });
  this.summary.textContent = aligned ? "counters: " + differ + " differ at this event" : "counters: not compared (one side has no such step)";
};

/* ---- anywidget entry point ---------------------------------------------- */

function parse(v) { return typeof v === "string" ? (v ? JSON.parse(v) : null) : v; }

function renderPair(model, host) {
  let timer = null, pending = null;
  let p = null;
  function make() {
    if (p) p.destroy();
    host.textContent = "";
    const data = parse(model.get("pair"));
    if (!data) return;
    p = createPair(host, { pair: data, row: model.get("row"), spoilers: model.get("spoilers") === null ? undefined : model.get("spoilers"),
      onRow: function (r) { pending = r; if (timer) return; timer = setTimeout(function () { timer = null; model.set("row", pending); model.save_changes(); }, 60); } });
    host.__zvp = p;
  }
  make();
  model.on("change:pair", make);
  model.on("change:row", function () { const r = model.get("row"); if (p && r !== p.r && !timer) { p.stop(); p.show(r, true); } });
  return function () { if (p) p.destroy(); };
}

Pair.prototype.destroy = function () {
  this.stop();
  this.sides.forEach(function (p) { p.destroy(); });
  if (this.root.parentNode) this.root.parentNode.removeChild(this.root);
};

function render(ctx) {
  const model = ctx.model, host = ctx.el;
  if (model.get("pair") !== undefined && model.get("view") === undefined) return renderPair(model, host);
  let pending = null, timer = null;
  function sendStep(k) {
    pending = k;
    if (timer) return;
    timer = setTimeout(function () { timer = null; if (pending !== model.get("step")) { model.set("step", pending); model.save_changes(); } }, 60);
  }
  const opts = { onStep: sendStep, teacher: model.get("teacher"), spoilers: model.get("spoilers"),
    onLesson: function (f) { model.set("lesson_frame", f); model.save_changes(); } };
  const lesson = parse(model.get("lesson_view"));
  if (lesson) { opts.lesson = lesson; opts.frame = model.get("lesson_frame"); }
  else { opts.vm = parse(model.get("view")); opts.step = model.get("step"); }
  if (opts.spoilers === null) delete opts.spoilers;
  const p = createPlayer(host, opts);
  host.__zvp = p;
  function onView() {
    const lv = parse(model.get("lesson_view"));
    if (lv) { p.setLesson(lv, model.get("lesson_frame")); return; }
    p.leaveLesson();
    const vm = parse(model.get("view"));
    if (vm) p.setView(vm, model.get("step"));
  }
  model.on("change:view", onView);
  model.on("change:lesson_view", onView);
  model.on("change:step", function () { const k = model.get("step"); if (k !== p.k && !timer) { p.stop(); p.show(k, true); } });
  model.on("change:lesson_frame", function () { if (p.lesson && model.get("lesson_frame") !== p.frame) p.showFrame(model.get("lesson_frame"), true); });
  model.on("change:spoilers", function () { const s = model.get("spoilers"); if (s !== null && s !== p.spoilers) { p.spoilers = s; p.relayout(); } });
  model.on("change:teacher", function () { p.teacher = model.get("teacher"); if (p.lesson) p.showFrame(p.frame, true); });
  return function () { p.destroy(); };
}

export default { render: render };
