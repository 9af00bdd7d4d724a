/* zswapviz offline step player and presentation mode.
 *
 * Reads compact per-step data from <script type="application/json"> blocks
 * (made by zswapviz.report.encode_trace): the first snapshot's cells in full,
 * then per step only the cells and ledger values that changed. Never fetches
 * anything; all user text goes through textContent.
 */
(function () {
  "use strict";

  const CHECKPOINT = 64;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function button(label, act, title) {
    const b = el("button", "zv-btn", label);
    b.type = "button";
    b.dataset.act = act;
    if (title) b.title = title;
    return b;
  }

  function fmt(v) {
    if (typeof v !== "number") return String(v);
    return v.toLocaleString("en-US");
  }

  /* Expand the compact encoding: per-step columns, cell checkpoints and
   * one array per ledger key. */
  function decode(d) {
    const n = d.n, m = d.cells;
    const codes = Uint8Array.from(d.c0s), lens = Int32Array.from(d.c0l), flags = Uint8Array.from(d.c0f);
    const checkpoints = [];
    for (let k = 0; k < n; k++) {
      if (k > 0) applyDelta(d.cd[k], codes, lens, flags);
      if (k % CHECKPOINT === 0) checkpoints.push([codes.slice(), lens.slice(), flags.slice()]);
    }
    const ledger = {};
    d.lk.forEach(function (key, i) {
      const arr = new Float64Array(n);
      let v = d.l0[i];
      for (let k = 0; k < n; k++) {
        const delta = d.ld[k];
        for (let j = 0; j < delta.length; j += 2) if (delta[j] === i) v = delta[j + 1];
        arr[k] = v;
      }
      ledger[key] = arr;
    });
    const violations = new Array(n);
    let so_far = [];
    let vi = 0;
    for (let k = 0; k < n; k++) {
      while (vi < d.viol.length && d.viol[vi][0] <= k) { so_far = so_far.concat([d.viol[vi][1]]); vi++; }
      violations[k] = so_far;
    }
    return { d: d, n: n, m: m, checkpoints: checkpoints, ledger: ledger, violations: violations };
  }

  function applyDelta(delta, codes, lens, flags) {
    for (let j = 0; j < delta.length; j += 4) {
      codes[delta[j]] = delta[j + 1];
      lens[delta[j]] = delta[j + 2];
      flags[delta[j]] = delta[j + 3];
    }
  }

  /* The cells after step k: a copy of the checkpoint before it plus deltas. */
  function cellsAt(x, k) {
    const c = Math.floor(k / CHECKPOINT), cp = x.checkpoints[c];
    const codes = cp[0].slice(), lens = cp[1].slice(), flags = cp[2].slice();
    for (let j = c * CHECKPOINT + 1; j <= k; j++) applyDelta(x.d.cd[j], codes, lens, flags);
    return { codes: codes, lens: lens, flags: flags };
  }

  /* One row up to 32 slots; then 16 or 32 columns, so 16-page folios line up. */
  function gridColumns(m) {
    if (m <= 32) return m;
    return m <= 128 ? 16 : 32;
  }

  /* Draw the xarray window as a grid of cells (built once, updated in place). */
  function Grid(container, d, big) {
    this.d = d;
    this.cells = [];
    this.box = el("div", "zv-grid" + (big ? " zv-grid-big" : ""));
    this.box.style.gridTemplateColumns = "repeat(" + (big && d.cells <= 16 ? Math.min(8, d.cells) : gridColumns(d.cells)) + ", 1fr)";
    const labelled = d.cells <= 64;
    for (let i = 0; i < d.cells; i++) {
      const c = el("div", "zv-cell");
      c.dataset.page = String(i);
      if (labelled) c.appendChild(el("span", "zv-cell-n", i));
      if (labelled && d.cells <= 32) c.appendChild(el("span", "zv-cell-len", ""));
      this.box.appendChild(c);
      this.cells.push(c);
    }
    container.appendChild(this.box);
    const legend = el("div", "zv-legend");
    const used = d.used_states;
    used.forEach(function (code) {
      const item = el("span", "zv-legend-item");
      const sw = el("span", "zv-swatch");
      sw.style.background = d.colors[code];
      item.appendChild(sw);
      item.appendChild(document.createTextNode(d.states[code]));
      legend.appendChild(item);
    });
    container.appendChild(legend);
  }

  Grid.prototype.update = function (state, page) {
    const d = this.d;
    for (let i = 0; i < d.cells; i++) {
      const c = this.cells[i], code = state.codes[i], len = state.lens[i], fl = state.flags[i];
      const name = d.states[code];
      if (c.dataset.state !== name) {
        c.dataset.state = name;
        c.style.background = d.colors[code];
      }
      let tip = "page " + i + " (offset " + (d.base + i) + "): " + name;
      if (len) tip += ", " + len + " bytes";
      if (fl & 1) tip += ", on the LRU";
      if (fl & 2) tip += ", referenced";
      c.title = tip;
      if (c.childNodes.length > 1) c.childNodes[1].textContent = len ? String(len) : "";
      c.classList.toggle("zv-here", i === page);
    }
  };

  /* The ledger at one step, with each value's change from the step before. */
  function Ledger(container, x, keys) {
    this.x = x;
    this.keys = keys || x.d.lk;
    this.table = el("table", "zv-ledger");
    const tb = el("tbody");
    this.rows = {};
    const self = this;
    this.keys.forEach(function (key) {
      const tr = el("tr");
      tr.dataset.key = key;
      tr.appendChild(el("th", null, key));
      const v = el("td", "zv-v"), dv = el("td", "zv-dv");
      tr.appendChild(v);
      tr.appendChild(dv);
      tb.appendChild(tr);
      self.rows[key] = [tr, v, dv];
    });
    this.table.appendChild(tb);
    container.appendChild(this.table);
  }

  Ledger.prototype.update = function (k) {
    const x = this.x, self = this;
    this.keys.forEach(function (key) {
      const arr = x.ledger[key], r = self.rows[key];
      const v = arr[k], prev = k > 0 ? arr[k - 1] : v, diff = v - prev;
      r[1].textContent = fmt(v);
      r[2].textContent = diff ? (diff > 0 ? "+" : "") + fmt(diff) : "";
      r[0].classList.toggle("zv-chg", diff !== 0);
      r[0].classList.toggle("zv-neg", v < 0);
    });
  };

  const players = [];
  let activePlayer = null;

  function Player(root, d) {
    const x = decode(d);
    this.x = x;
    this.d = d;
    this.root = root;
    this.k = -1;
    this.timer = null;
    this.figures = [];
    players.push(this);
    if (!activePlayer) activePlayer = this;
    const self = this;
    root.addEventListener("pointerdown", function () { activePlayer = self; });
    root.addEventListener("focusin", function () { activePlayer = self; });

    const bar = el("div", "zv-bar");
    this.btn = {
      start: button("|\u25c0", "start", "first step (Home)"),
      prev: button("\u25c0", "prev", "previous step (\u2190)"),
      play: button("\u25b6 play", "play", "play / pause (space)"),
      next: button("\u25b6", "next", "next step (\u2192)"),
      end: button("\u25b6|", "end", "last step (End)")
    };
    ["start", "prev", "play", "next", "end"].forEach(function (k) { bar.appendChild(self.btn[k]); });
    this.slider = el("input", "zv-slider");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.max = String(x.n - 1);
    this.slider.value = "0";
    this.slider.setAttribute("aria-label", "step");
    bar.appendChild(this.slider);
    this.counter = el("span", "zv-counter");
    bar.appendChild(this.counter);
    root.appendChild(bar);

    const jumps = el("div", "zv-jumps");
    jumps.appendChild(el("span", "zv-jl", "Jump to"));
    this.pageInput = el("input", "zv-page-input");
    this.pageInput.type = "number";
    this.pageInput.min = "0";
    this.pageInput.max = String(d.cells - 1);
    this.pageInput.placeholder = "page";
    this.pageInput.setAttribute("aria-label", "page");
    jumps.appendChild(this.pageInput);
    jumps.appendChild(button("page", "page", "first step at this page"));
    const marks = d.marks;
    [["failure", "failure", "the first step that returned an error"],
     ["first_rollback", "rollback", "the first rollback step"],
     ["last_rollback", "last erase", "the last rollback step"],
     ["end", "end", "the last step"]].forEach(function (m) {
      const b = button(m[1], "mark:" + m[0], m[2]);
      if (marks[m[0]] === null || marks[m[0]] === undefined) b.disabled = true;
      jumps.appendChild(b);
    });
    if (d.op_starts.length > 1) {
      this.opSelect = el("select", "zv-op-select");
      this.opSelect.setAttribute("aria-label", "operation");
      d.op_starts.forEach(function (s, i) {
        const o = el("option", null, "#" + i + " " + d.op_labels[i]);
        o.value = String(s);
        self.opSelect.appendChild(o);
      });
      jumps.appendChild(this.opSelect);
      this.opSelect.addEventListener("change", function () { self.stop(); self.show(Number(self.opSelect.value)); });
    }
    jumps.appendChild(el("span", "zv-jl", "speed"));
    this.speed = el("select", "zv-speed");
    this.speed.setAttribute("aria-label", "steps per second");
    const def = d.n > 2000 ? 100 : d.n > 300 ? 25 : 5;
    [1, 2, 5, 10, 25, 100, 400].forEach(function (s) {
      const o = el("option", null, s + " steps/s");
      o.value = String(s);
      if (s === def) o.selected = true;
      self.speed.appendChild(o);
    });
    jumps.appendChild(this.speed);
    this.status = el("span", "zv-status");
    jumps.appendChild(this.status);
    root.appendChild(jumps);

    const now = el("div", "zv-now");
    const head = el("div", "zv-head");
    this.fnEl = el("code", "zv-fn");
    this.phaseEl = el("span", "zv-phase");
    this.pageEl = el("span", "zv-pg");
    this.opEl = el("span", "zv-op");
    [this.fnEl, this.phaseEl, this.pageEl, this.opEl].forEach(function (e) { head.appendChild(e); });
    now.appendChild(head);
    this.textEl = el("p", "zv-text");
    now.appendChild(this.textEl);
    this.violEl = el("div", "zv-viol");
    now.appendChild(this.violEl);
    root.appendChild(now);

    const cols = el("div", "zv-cols");
    const gw = el("div", "zv-gridwrap");
    gw.appendChild(el("h4", null, "xarray occupancy (slots " + d.base + "\u2013" + (d.base + d.cells - 1) + ")"));
    this.grid = new Grid(gw, d, false);
    cols.appendChild(gw);
    const lw = el("div", "zv-ledgerwrap");
    lw.appendChild(el("h4", null, "Ledger at this step"));
    this.ledger = new Ledger(lw, x);
    cols.appendChild(lw);
    root.appendChild(cols);

    const ctxHead = el("h4", null, "Nearby steps");
    root.appendChild(ctxHead);
    this.context = el("ol", "zv-context");
    root.appendChild(this.context);

    root.addEventListener("click", function (ev) {
      const t = ev.target.closest("[data-act]");
      if (!t || !root.contains(t)) return;
      self.act(t.dataset.act);
    });
    this.slider.addEventListener("input", function () { self.stop(); self.show(Number(self.slider.value)); });
    this.pageInput.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); self.act("page"); }
    });
    this.speed.addEventListener("change", function () { if (self.timer) { self.stop(); self.play(); } });
    this.show(0);
  }

  Player.prototype.act = function (a) {
    const d = this.d;
    if (a === "play") { if (this.timer) this.stop(); else this.play(); return; }
    this.stop();
    if (a === "next") this.show(this.k + 1);
    else if (a === "prev") this.show(this.k - 1);
    else if (a === "start") this.show(0);
    else if (a === "end") this.show(this.x.n - 1);
    else if (a === "page") {
      const p = Number(this.pageInput.value);
      const s = Number.isInteger(p) && p >= 0 && p < d.cells ? d.page_first[p] : -1;
      if (this.pageInput.value === "" || s < 0) {
        this.status.textContent = this.pageInput.value === "" ? "type a page number" : "no step at page " + this.pageInput.value;
      } else this.show(s);
    } else if (a.indexOf("mark:") === 0) {
      const s = d.marks[a.slice(5)];
      if (s !== null && s !== undefined) this.show(s);
    } else if (a.indexOf("go:") === 0) this.show(Number(a.slice(3)));
  };

  Player.prototype.play = function () {
    const self = this;
    if (this.k >= this.x.n - 1) this.show(0);
    const rate = Number(this.speed.value) || 5;
    const per = Math.max(1, Math.round(rate / 50));
    this.timer = setInterval(function () {
      if (self.k >= self.x.n - 1) { self.stop(); return; }
      self.show(Math.min(self.x.n - 1, self.k + per));
    }, Math.max(20, 1000 * per / rate));
    this.btn.play.textContent = "\u2016 pause";
    this.root.dataset.playing = "1";
  };

  Player.prototype.stop = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.btn.play.textContent = "\u25b6 play";
    delete this.root.dataset.playing;
  };

  Player.prototype.show = function (k) {
    const x = this.x, d = this.d;
    k = Math.max(0, Math.min(x.n - 1, k | 0));
    const prev = this.k;
    this.k = k;
    this.root.dataset.step = String(k);
    this.slider.value = String(k);
    this.counter.textContent = "step " + k + " of " + (x.n - 1);
    this.status.textContent = "";
    const page = d.s_page[k];
    this.fnEl.textContent = d.fns[d.s_fn[k]];
    const phase = d.phases[d.s_phase[k]];
    this.phaseEl.textContent = phase;
    this.phaseEl.className = "zv-phase zv-ph-" + phase;
    this.pageEl.textContent = page >= 0 ? "page " + page : "whole folio";
    this.opEl.textContent = d.ops[d.s_op[k]] + " #" + d.s_opi[k];
    this.textEl.textContent = d.s_text[k];
    this.root.classList.toggle("zv-failed", d.s_failed.indexOf(k) >= 0);
    const state = prev >= 0 && k === prev + 1 && this.state ? this.advance(k) : cellsAt(x, k);
    this.state = state;
    this.grid.update(state, page);
    this.ledger.update(k);
    const v = x.violations[k];
    this.violEl.textContent = "";
    this.violEl.classList.toggle("zv-bad", v.length > 0);
    if (v.length) {
      this.violEl.appendChild(el("strong", null, "Validators so far: " + v.length + " violation(s)"));
      const ul = el("ul");
      v.forEach(function (t) { ul.appendChild(el("li", null, t)); });
      this.violEl.appendChild(ul);
    }
    this.renderContext(k);
    const self = this;
    this.figures.forEach(function (f) { self.placeMarker(f, k); });
    if (this.onshow) this.onshow(k);
  };

  Player.prototype.advance = function (k) {
    const s = this.state;
    applyDelta(this.d.cd[k], s.codes, s.lens, s.flags);
    return s;
  };

  Player.prototype.renderContext = function (k) {
    const d = this.d, ol = this.context;
    ol.textContent = "";
    const lo = Math.max(0, k - 3), hi = Math.min(this.x.n - 1, k + 3);
    ol.start = lo;
    for (let j = lo; j <= hi; j++) {
      const li = el("li", j === k ? "zv-cur" : null);
      const a = el("button", "zv-linkbtn", d.fns[d.s_fn[j]] + (d.s_page[j] >= 0 ? " p" + d.s_page[j] : ""));
      a.type = "button";
      a.dataset.act = "go:" + j;
      li.appendChild(a);
      li.appendChild(el("span", "zv-ctx-text", " " + d.s_text[j]));
      ol.appendChild(li);
    }
  };

  Player.prototype.placeMarker = function (f, k) {
    const g = f.geom;
    const frac = g.xmax === g.xmin ? 0 : (k - g.xmin) / (g.xmax - g.xmin);
    f.marker.style.left = (100 * (g.x0 + frac * (g.x1 - g.x0))) + "%";
    f.marker.style.top = (100 * (1 - g.y1)) + "%";
    f.marker.style.height = (100 * (g.y1 - g.y0)) + "%";
  };

  Player.prototype.attachFigure = function (fig) {
    const geom = JSON.parse(fig.dataset.geom);
    const marker = el("div", "zv-marker");
    fig.querySelector(".zv-figbox").appendChild(marker);
    const f = { geom: geom, marker: marker };
    this.figures.push(f);
    this.placeMarker(f, this.k);
    const self = this;
    fig.querySelector("img").addEventListener("click", function (ev) {
      const r = ev.target.getBoundingClientRect();
      const fx = (ev.clientX - r.left) / r.width;
      const t = (fx - geom.x0) / (geom.x1 - geom.x0);
      if (t < 0 || t > 1) return;
      self.stop();
      activePlayer = self;
      self.show(Math.round(geom.xmin + t * (geom.xmax - geom.xmin)));
    });
  };

  /* Presentation mode: one lesson stop per screen, large type. */
  function Presenter(lesson, byId) {
    this.lesson = lesson;
    this.byId = byId;
    this.frames = [];
    const self = this;
    lesson.stops.forEach(function (s, i) {
      self.frames.push([i, false]);
      if (s.question) self.frames.push([i, true]);
    });
    this.f = 0;
    const o = el("div", "zv-present");
    o.hidden = true;
    o.setAttribute("role", "dialog");
    o.setAttribute("aria-label", "presentation");
    const top = el("div", "zv-p-top");
    this.titleEl = el("span", "zv-p-lesson", lesson.title);
    this.where = el("span", "zv-p-where");
    top.appendChild(this.titleEl);
    top.appendChild(this.where);
    o.appendChild(top);
    this.h = el("h2", "zv-p-h");
    o.appendChild(this.h);
    const stepline = el("div", "zv-p-step");
    this.fn = el("code", "zv-p-fn");
    this.sentence = el("span", "zv-p-sentence");
    stepline.appendChild(this.fn);
    stepline.appendChild(this.sentence);
    o.appendChild(stepline);
    this.main = el("div", "zv-p-main");
    o.appendChild(this.main);
    this.note = el("p", "zv-p-note");
    o.appendChild(this.note);
    this.q = el("p", "zv-p-q");
    o.appendChild(this.q);
    this.a = el("p", "zv-p-a");
    o.appendChild(this.a);
    const foot = el("div", "zv-p-foot");
    this.prevBtn = button("\u2190 back", "p-prev", "previous (\u2190, PageUp)");
    this.nextBtn = button("next \u2192", "p-next", "next (\u2192, PageDown, space)");
    const exit = button("leave (Esc)", "p-exit", "leave presentation mode");
    this.count = el("span", "zv-p-count");
    [this.prevBtn, this.count, this.nextBtn, exit].forEach(function (e) { foot.appendChild(e); });
    o.appendChild(foot);
    o.addEventListener("click", function (ev) {
      const t = ev.target.closest("[data-act]");
      if (!t) return;
      if (t.dataset.act === "p-prev") self.move(-1);
      else if (t.dataset.act === "p-next") self.move(1);
      else if (t.dataset.act === "p-exit") self.close();
    });
    document.body.appendChild(o);
    this.o = o;
    this.grids = {};
    this.ledgers = {};
  }

  Presenter.prototype.open = function () {
    players.forEach(function (p) { p.stop(); });
    this.o.hidden = false;
    document.body.classList.add("zv-presenting");
    this.render();
  };

  Presenter.prototype.close = function () {
    this.o.hidden = true;
    document.body.classList.remove("zv-presenting");
    if (location.hash === "#present") history.replaceState(null, "", location.pathname + location.search);
  };

  Presenter.prototype.move = function (delta) {
    const f = Math.max(0, Math.min(this.frames.length - 1, this.f + delta));
    if (f === this.f) return;
    this.f = f;
    this.render();
  };

  Presenter.prototype.render = function () {
    const fr = this.frames[this.f], stop = this.lesson.stops[fr[0]], revealed = fr[1];
    const player = this.byId[stop.player];
    const d = player.d, k = stop.step;
    player.show(k);
    this.o.dataset.frame = String(this.f);
    this.o.dataset.stop = String(fr[0] + 1);
    this.o.dataset.step = String(k);
    this.o.dataset.last = this.f === this.frames.length - 1 ? "1" : "0";
    this.where.textContent = "stop " + (fr[0] + 1) + " of " + this.lesson.stops.length +
      (stop.variant ? " \u00b7 " + stop.variant : "") + " \u00b7 step " + k;
    this.h.textContent = stop.title || "Stop " + (fr[0] + 1);
    this.fn.textContent = d.fns[d.s_fn[k]];
    this.sentence.textContent = d.s_text[k];
    if (!this.grids[stop.player]) {
      const box = el("div", "zv-p-view");
      const gw = el("div", "zv-p-gridwrap");
      this.grids[stop.player] = new Grid(gw, d, true);
      const lw = el("div", "zv-p-ledgerwrap");
      this.ledgers[stop.player] = new Ledger(lw, player.x, d.lk_main);
      box.appendChild(gw);
      box.appendChild(lw);
      this.grids[stop.player].view = box;
    }
    const g = this.grids[stop.player];
    if (this.main.firstChild !== g.view) { this.main.textContent = ""; this.main.appendChild(g.view); }
    g.update(player.state, d.s_page[k]);
    this.ledgers[stop.player].update(k);
    this.note.textContent = stop.note;
    this.q.textContent = stop.question ? "Question: " + stop.question : "";
    this.q.hidden = !stop.question;
    this.a.textContent = revealed ? "Answer: " + stop.answer : "";
    this.a.hidden = !revealed;
    this.count.textContent = (this.f + 1) + " / " + this.frames.length;
    this.prevBtn.disabled = this.f === 0;
    this.nextBtn.disabled = this.f === this.frames.length - 1;
  };

  let presenter = null;

  function typing(t) {
    if (!t || !t.tagName) return false;
    const tag = t.tagName.toLowerCase();
    return tag === "select" || tag === "textarea" || (tag === "input" && t.type !== "button");
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (presenter && !presenter.o.hidden) {
      if (["ArrowRight", "PageDown", " ", "Enter"].indexOf(ev.key) >= 0) { ev.preventDefault(); presenter.move(1); }
      else if (["ArrowLeft", "PageUp", "Backspace"].indexOf(ev.key) >= 0) { ev.preventDefault(); presenter.move(-1); }
      else if (ev.key === "Escape") { ev.preventDefault(); presenter.close(); }
      else if (ev.key === "Home") { ev.preventDefault(); presenter.f = 0; presenter.render(); }
      else if (ev.key === "End") { ev.preventDefault(); presenter.f = presenter.frames.length - 1; presenter.render(); }
      return;
    }
    if (typing(ev.target)) return;
    if ((ev.key === "p" || ev.key === "P") && presenter) { ev.preventDefault(); presenter.open(); return; }
    const map = { ArrowRight: "next", ArrowLeft: "prev", Home: "start", End: "end", " ": "play" };
    const a = map[ev.key];
    if (!a || !players.length) return;
    ev.preventDefault();
    const targets = document.body.dataset.sync === "1" ? players : [activePlayer || players[0]];
    targets.forEach(function (p) { p.act(a); });
  });

  function init() {
    const byId = {};
    document.querySelectorAll("[data-zv-player]").forEach(function (root) {
      const src = document.getElementById(root.dataset.zvPlayer);
      const p = new Player(root, JSON.parse(src.textContent));
      byId[root.dataset.zvPlayer] = p;
    });
    document.querySelectorAll("figure[data-zv-fig]").forEach(function (fig) {
      const p = byId[fig.dataset.zvFig];
      if (p) p.attachFigure(fig);
    });
    document.querySelectorAll("[data-zv-all]").forEach(function (b) {
      b.addEventListener("click", function () {
        const a = b.dataset.zvAll;
        players.forEach(function (p) { p.act(a); });
      });
    });
    document.querySelectorAll("[data-zv-goto]").forEach(function (b) {
      b.addEventListener("click", function () {
        const p = byId[b.dataset.zvPlayerRef];
        if (!p) return;
        p.stop();
        activePlayer = p;
        p.show(Number(b.dataset.zvGoto));
        p.root.scrollIntoView({ block: "start" });
      });
    });
    const ls = document.getElementById("zv-lesson");
    if (ls) {
      presenter = new Presenter(JSON.parse(ls.textContent), byId);
      document.querySelectorAll("[data-zv-present]").forEach(function (b) {
        b.addEventListener("click", function () { presenter.open(); });
      });
      if (location.hash === "#present") presenter.open();
    }
    document.body.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
