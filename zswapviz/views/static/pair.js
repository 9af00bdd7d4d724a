/* zswapviz player, part "pair": two runs aligned by kernel event.
 *
 * createPair(host, {pair, row, spoilers, onRow}) draws two players without
 * their own controls, one row per kernel event (zswapviz.views.sidebyside),
 * with one set of controls and a counter table comparing both sides. A click
 * on a line of either side's code pane ("run to here") moves the pair to the
 * row of that step, so both sides move, aligned as the stepper aligns them. Part of
 * the one renderer that zswapviz.views.assets.bundle() assembles; see player.js.
 */
import { ensureStyle, presenting } from "./theme.js";
import { button, el, fmt } from "./dom.js";
import { jumpTarget } from "./decode.js";
import { Player } from "./player.js";

/* ---- two runs aligned by kernel event ------------------------------------- */

/* The one mapping between alignment rows (zswapviz.views.alignment.align: [i, j], -1 where a side has no such
 * step) and the two sides' steps: at[s][r] is side s's step shown at row r (its step of that row, else its last
 * one before), rowOf[s][k] the row of side s's step k (every step has one). The pair steps over rows with it; a
 * comparison report maps a code-pane click in one variant to the others with it (report.js). */
export function rowSteps(rows, na, nb) {
  const n = rows.length, at = [new Int32Array(n), new Int32Array(n)], rowOf = [new Int32Array(na), new Int32Array(nb)];
  for (let s = 0; s < 2; s++) {
    let last = 0;
    for (let r = 0; r < n; r++) { if (rows[r][s] >= 0) { last = rows[r][s]; rowOf[s][last] = r; } at[s][r] = last; }
  }
  return { at: at, rowOf: rowOf };
}

/* Side s's step k as a step of the other side: the other side's step at k's row. */
export function otherStep(map, s, k) {
  return map.at[1 - s][map.rowOf[s][k]];
}

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
    // a click in this side's code pane ("run to here") moves the pair to that step's row: both sides move
    self.sides.push(new Player(inner, { vm: data[key], controls: false, spoilers: opts.spoilers, codeOther: data[i ? "a" : "b"],
      goto: function (k) { self.stop(); self.show(self.rowOf[i][k]); } }));
  });
  root.appendChild(cols);
  const det = el("details");
  this.summary = el("summary", null, "counters");
  det.appendChild(this.summary);
  this.table = el("table", "zvp-counters");
  det.appendChild(this.table);
  root.appendChild(det);
  const rows = data.rows, n = rows.length, map = rowSteps(rows, data.a.n, data.b.n);
  this.at = map.at;
  this.rowOf = map.rowOf;
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
    if (a === "present") {
      const on = this.root.dataset.present !== "1";
      if (on) this.root.dataset.present = "1"; else delete this.root.dataset.present;
      presenting(this.root, on);
    }
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

Pair.prototype.destroy = function () {
  this.stop();
  if (this.root.dataset.present === "1") { delete this.root.dataset.present; presenting(this.root, false); }
  this.sides.forEach(function (p) { p.destroy(); });
  if (this.root.parentNode) this.root.parentNode.removeChild(this.root);
};
