/* zswapviz player, part "panels": the four SVG panels and the counter table.
 *
 * Each panel is built from the view model (build(), again when the size or
 * the view changes) and updated for a step (update()): the xarray occupancy
 * grid (GridPanel), refs and charge over the steps (SeriesPanel), compressed
 * sizes and zsmalloc classes (SizesPanel), the stores and the erases that
 * undid them (RollbackPanel), and the counters (Counters). Part of the one
 * renderer that zswapviz.views.assets.bundle() assembles; see player.js.
 */
import { clear, el, fmt, fontOf, labelY, layered, niceMax, sizeOf, svg } from "./dom.js";
import { sizesAt } from "./decode.js";

const CANVAS_CELLS = 1024;
const SERIES_COLORS = { stored_pages: "#1e88e5", pool_refs: "#43a047", objcg_refs: "#8e24aa", right: "#ef6c00" };

export function GridPanel(player, box) {
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

export function SeriesPanel(player, box) {
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

export function SizesPanel(player, box) {
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

export function RollbackPanel(player, box) {
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

export function Counters(player, box) {
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
