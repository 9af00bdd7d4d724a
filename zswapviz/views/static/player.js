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
 * called when the view model has listings. A click on one of its lines runs
 * the player to that step, or calls opts.goto(step) when given (the pair:
 * both sides move).
 *
 * The renderer is one ES module assembled by zswapviz.views.assets.bundle()
 * from parts, in this order: codepane.js (the code pane), theme.js (the style
 * sheet), dom.js (element helpers), decode.js (the view model read into
 * frames), panels.js (the SVG panels and the counter table), player.js (this
 * file: the player, its controls, keys, stepping and lessons), pair.js (two
 * runs side by side) and widget.js (the anywidget entry point). Each part
 * imports what it uses from the parts before it.
 */
import { drawCodePane } from "./codepane.js";
import { ensureStyle, presenting } from "./theme.js";
import { button, el } from "./dom.js";
import { CHECKPOINT, LESSON_FORMAT, applyCells, badgeAt, cellsAt, decode, jumpTarget, sentenceAt, titleAt } from "./decode.js";
import { Counters, GridPanel, RollbackPanel, SeriesPanel, SizesPanel } from "./panels.js";

/* ---- the player --------------------------------------------------------- */

let uidSeq = 0;

export function createPlayer(host, opts) {
  return new Player(host, opts || {});
}

export function Player(host, opts) {
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
  this.bar = bar;

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
  this.counterBox = el("div", "zvp-counterbox");
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
    // redraw the panels at their new size when the player's width changes, or a panel's drawing area changes
    // height (presenting a lesson, the panels share the height a panel's note of one or more lines leaves);
    // the code pane again when only its height changes (presenting a lesson, it has what the stop leaves)
    let last = 0, lastH = "", lastC = 0;
    const layers = Array.from(panels.querySelectorAll(".zvp-layer"));
    this.ro = new ResizeObserver(function () {
      const w = Math.round(root.getBoundingClientRect().width);
      const h = layers.map(function (l) { return Math.round(l.getBoundingClientRect().height); }).join(",");
      const c = Math.round(self.codeRoot.getBoundingClientRect().height);
      if (w && self.x && (Math.abs(w - last) > 2 || h !== lastH)) { last = w; lastH = h; lastC = c; self.relayout(); }
      else if (c !== lastC && self.x && self.hasCode && self.k >= 0) { lastC = c; self.drawCode(self.k); }
    });
    this.ro.observe(root);
    layers.forEach(function (l) { self.ro.observe(l); });
    this.ro.observe(this.codeRoot);
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
  // presenting a lesson: the stop goes to the side column, above the code (theme.js lays it out to fit the window)
  const presentLesson = !!this.lesson && this.root.dataset.present === "1";
  if (presentLesson && this.lessonBox.parentNode !== this.side) this.side.insertBefore(this.lessonBox, this.side.firstChild);
  else if (!presentLesson && this.lessonBox.parentNode !== this.root) this.root.insertBefore(this.lessonBox, this.bar);
  const side = this.hasCode || this.showCounters || presentLesson;
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
    presenting(this.root, on);
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
  if (this.hasCode) this.drawCode(k);
  if (this.onStep && !quiet) this.onStep(k);
};

/* The code pane at step k (again when its height changes, so the current line stays in view). */
Player.prototype.drawCode = function (k) {
  const self = this;
  // in a lesson, the line the current stop points at is marked too
  const lv = this.lesson, point = lv && this.frame != null ? lv.stops[lv.frames[this.frame][0]].line || null : null;
  drawCodePane(this.codeRoot, this.x.vm, k, { goto: function (j) { self.stop(); if (self.opts.goto) self.opts.goto(j); else self.show(j); }, present: this.root.dataset.present === "1", spoilers: this.spoilers, other: this.opts.codeOther || null, point: point });
};

/* ---- lessons ------------------------------------------------------------ */

Player.prototype.setLesson = function (lv, frame) {
  if (!lv || lv.format !== LESSON_FORMAT) throw new Error("zswapviz: not a " + LESSON_FORMAT + " lesson");
  this.lesson = lv;
  this.root.dataset.lesson = "1";
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
  delete this.root.dataset.lesson;
  this.lessonBox.hidden = true;
  this.lessonBox.textContent = "";
};

Player.prototype.destroy = function () {
  this.stop();
  if (this.root.dataset.present === "1") { delete this.root.dataset.present; presenting(this.root, false); }
  if (this.ro) this.ro.disconnect();
  document.removeEventListener("keydown", this.docKey);
  if (this.root.parentNode) this.root.parentNode.removeChild(this.root);
};
