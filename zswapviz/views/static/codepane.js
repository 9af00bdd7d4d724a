/* The code pane: the listing of the function the current step is in.
 *
 * drawCodePane(root, vm, step, opts) draws into the element `root` the
 * function of step `step` of the view model `vm` (format zswapviz-view/1,
 * its optional `code` and `listings` parts, see docs/viewmodel.md): the
 * current line highlighted, the lines already executed in this call marked,
 * a failing line red, rollback lines marked, context lines dimmed, each
 * function header with its file and a plain link to the kernel source (the
 * link is only an href: nothing is fetched).
 *
 * The first call builds the pane; later calls only move classes (the DOM of
 * a function is built once and kept), so stepping stays cheap.
 *
 * The first part of the one renderer (zswapviz.views.assets.bundle() joins
 * it with player.js and the other parts into one ES module): it exports only
 * drawCodePane; every other top-level name starts with "codepane_". All
 * text goes through textContent. The root's data-fn and data-line name the
 * current line (for tests).
 *
 * opts:
 *   goto(step)     called when a line is clicked, with the next step (after
 *                  the current one, wrapping) whose line it is: "run to here"
 *                  (onJump is accepted as another name for it).
 *   other          the other run's view model in a side-by-side view: the
 *                  listing is aligned with the other release's same function
 *                  (blank rows where one side has no line) and the lines that
 *                  differ between the two releases are marked.
 *   point          [function name, line index] a lesson stop points at.
 *   present        larger type for a projector (also when the page has the
 *                  "present" class on <body> or the root is inside .present).
 *
 * Written for the zswapviz project; no dependencies, no network.
 */
const codepane_STYLE_ID = "zcp-style";
const codepane_CSS = [
  ".zcp{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:max(16px,.92em);line-height:1.35;",
  "color:var(--zvp-fg,#1d2330);background:var(--zvp-bg,#fbfbfd);border:1px solid var(--zvp-line,#d5d9e2);",
  "border-radius:6px;overflow:auto;max-height:32em}",
  ".zcp-present .zcp,.present .zcp,[data-present='1'] .zcp{font-size:max(18px,1em);max-height:24em}",
  ".zcp-present .zcp-legend,.present .zcp-legend,[data-present='1'] .zcp-legend{font-size:16px}",
  ".zcp-head{position:sticky;top:0;z-index:1;background:var(--zvp-soft,#eef1f7);padding:.3em .6em;",
  "border-bottom:1px solid var(--zvp-line,#d5d9e2);font-family:system-ui,sans-serif;display:flex;gap:.8em;",
  "align-items:baseline;flex-wrap:wrap}",
  ".zcp-name{font-weight:600;font-family:ui-monospace,Menlo,Consolas,monospace}",
  ".zcp-file{color:var(--zvp-muted,#5a6273)}.zcp-head a{color:var(--zvp-fg,#1d2330);text-decoration:underline}",
  ".zcp-none{padding:.5em .8em;color:var(--zvp-muted,#5a6273);font-family:system-ui,sans-serif}",
  ".zcp-body{padding:.2em 0}",
  ".zcp-line{display:flex;white-space:pre-wrap;overflow-wrap:anywhere;padding:0 .6em 0 0;cursor:pointer;border-left:4px solid transparent}",
  ".zcp-text{text-indent:-2ch;padding-left:2ch}",
  ".zcp-line:hover{background:rgba(36,81,179,.10)}",
  ".zcp-no{flex:0 0 2.6em;text-align:right;padding-right:.8em;color:var(--zvp-muted,#8b93a3);user-select:none}",
  ".zcp-text{flex:1 1 auto}",
  ".zcp-why{display:none;white-space:normal;font:max(16px,.85em)/1.3 system-ui,sans-serif;color:var(--zvp-muted,#41526e);",
  "padding:.1em .6em .3em 3.4em;background:var(--zvp-soft,#f3f6fb)}",
  ".zcp-present .zcp-why,.present .zcp-why,[data-present='1'] .zcp-why{font-size:16px}",
  ".zcp-line.zcp-has-why .zcp-text::after{content:' \\2139';color:var(--zvp-muted,#6b7da0)}",
  ".zcp-context .zcp-text{opacity:.62}",
  ".zcp-label .zcp-text{color:#9c4dcc;font-weight:600}",
  // a lighter purple on dark backgrounds (contrast 4.5:1 or more): the player's dark theme, the OS's, JupyterLab Dark
  "@media (prefers-color-scheme: dark){.zvp-root:not([data-theme=light]) .zcp-label .zcp-text{color:#d2a8ff}}",
  ".zvp-root[data-theme=dark] .zcp-label .zcp-text,body[data-jp-theme-light=false] .zcp-label .zcp-text{color:#d2a8ff}",
  "body[data-jp-theme-light=true] .zvp-root:not([data-theme=dark]) .zcp-label .zcp-text{color:#9c4dcc}",
  ".zcp-done{background:rgba(76,175,80,.16)}",
  ".zcp-rollback{background:rgba(255,152,0,.22);border-left-color:#e39b2a}",
  ".zcp-failed{background:rgba(229,57,53,.22);border-left-color:#c62828}",
  ".zcp-failed .zcp-text{color:var(--zvp-bad,#c62828);opacity:1}",
  ".zcp-current{background:rgba(255,214,0,.42);border-left-color:#1d4ed8;font-weight:600}",
  ".zcp-current .zcp-text{opacity:1}",
  ".zcp-current.zcp-failed{background:rgba(229,57,53,.42)}",
  ".zcp-current+.zcp-why,.zcp-pointed+.zcp-why{display:block}",
  ".zcp-pointed{outline:2px dashed #1d4ed8;outline-offset:-2px}",
  ".zcp-differs .zcp-no{color:#d97706;font-weight:700}",
  ".zcp-differs{box-shadow:inset 3px 0 0 #f59e0b}",
  ".zcp-filler{color:transparent;cursor:default;background:repeating-linear-gradient(135deg,rgba(128,128,128,.12) 0 4px,transparent 4px 8px)}",
  ".zcp-legend{font:16px system-ui,sans-serif;color:var(--zvp-muted,#5a6273);padding:.2em .6em}",
  ".zcp-legend span{display:inline-block;padding:0 .4em;margin-right:.4em;border-radius:3px}"
].join("\n");

function codepane_el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function codepane_ensureStyle(doc) {
  if (doc.getElementById(codepane_STYLE_ID)) return;
  var s = doc.createElement("style");
  s.id = codepane_STYLE_ID;
  s.textContent = codepane_CSS;
  (doc.head || doc.documentElement).appendChild(s);
}

/* Index a view model once: listing functions by name, steps of each call. */
function codepane_index(vm) {
  if (vm.__zcp) return vm.__zcp;
  var code = vm.code || null, listing = vm.listings || null;
  var byName = {}, i;
  if (listing) for (i = 0; i < listing.functions.length; i++) byName[listing.functions[i].name] = i;
  var n = vm.n || (code ? code.fn.length : 0);
  var fnOf = new Int32Array(n), lineOf = new Int32Array(n), callOf = new Int32Array(n);
  var failed = new Uint8Array(n), rollback = new Uint8Array(n);
  var phases = (vm.steps && vm.steps.phases) || [], phaseCol = (vm.steps && vm.steps.phase) || [];
  var rb = phases.indexOf("rollback");
  var opIndex = (vm.steps && vm.steps.operation_index) || [];
  var calls = {}, lastFn = -2, lastOp = null, callNo = 0;
  for (i = 0; i < n; i++) {
    var f = -1, l = -1;
    if (code && code.fn[i] >= 0) {
      var name = code.functions[code.fn[i]];
      f = byName.hasOwnProperty(name) ? byName[name] : -1;
      l = code.line[i];
    }
    fnOf[i] = f; lineOf[i] = l;
    rollback[i] = rb >= 0 && phaseCol[i] === rb ? 1 : 0;
    var c;
    if (code && code.call) c = code.call[i];
    else {
      // without call ids: a call is a run of consecutive steps in one function and operation
      if (f !== lastFn || opIndex[i] !== lastOp) callNo++;
      c = callNo;
    }
    callOf[i] = c; lastFn = f; lastOp = opIndex[i];
    if (c >= 0) (calls[c] = calls[c] || []).push(i);
  }
  var fl = (vm.steps && vm.steps.failed) || [];
  for (i = 0; i < fl.length; i++) if (fl[i] < n) failed[fl[i]] = 1;
  vm.__zcp = {listing: listing, byName: byName, fnOf: fnOf, lineOf: lineOf, callOf: callOf,
              calls: calls, failed: failed, rollback: rollback, n: n};
  return vm.__zcp;
}

/* Half the leading indentation: the pane is often a narrow column. */
function codepane_compact(text) {
  return (text || "").replace(/^ +/, function (m) { return m.slice(m.length >> 1); });
}

/* Longest-common-subsequence alignment of two lists of line texts: rows [i|-1, j|-1, same]. */
function codepane_align(a, b) {
  var n = a.length, m = b.length, i, j;
  var L = [];
  for (i = 0; i <= n; i++) { L.push(new Int32Array(m + 1)); }
  for (i = n - 1; i >= 0; i--)
    for (j = m - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  var rows = [];
  i = 0; j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { rows.push([i, j, true]); i++; j++; }
    else if (i < n && j < m && L[i + 1][j] === L[i][j + 1]) { rows.push([i, j, false]); i++; j++; }
    else if (j >= m || (i < n && L[i + 1][j] >= L[i][j + 1])) { rows.push([i, -1, false]); i++; }
    else { rows.push([-1, j, false]); j++; }
  }
  return rows;
}

function codepane_texts(fn) {
  var out = [];
  for (var i = 0; i < fn.lines.length; i++) out.push(fn.lines[i].text.trim());
  return out;
}

/* Build the DOM of function `fi` (once per pane, per other-release pairing). */
function codepane_buildFunction(state, fi) {
  var fn = state.ix.listing.functions[fi];
  var box = codepane_el("div", "zcp-fn");
  var head = codepane_el("div", "zcp-head");
  head.appendChild(codepane_el("span", "zcp-name", fn.name + "()"));
  head.appendChild(codepane_el("span", "zcp-file", fn.file));
  var a = codepane_el("a", null, "source");
  a.href = fn.url; a.target = "_blank"; a.rel = "noopener noreferrer";
  a.title = "this function in the kernel source of " + state.ix.listing.kernel + " (opens a new tab)";
  head.appendChild(a);
  if (state.ix.listing.unmerged) head.appendChild(codepane_el("span", "zcp-file", "(model of unmerged code)"));
  box.appendChild(head);
  var body = codepane_el("div", "zcp-body");
  var lineEls = new Array(fn.lines.length);
  var rows;
  var other = state.otherListing;
  var partner = other ? other.functions.filter(function (g) { return g.name === fn.name; })[0] : null;
  if (other) rows = partner ? codepane_align(codepane_texts(fn), codepane_texts(partner)) : codepane_texts(fn).map(function (_, i) { return [i, -1, false]; });
  else rows = fn.lines.map(function (_, i) { return [i, -1, true]; });
  for (var r = 0; r < rows.length; r++) {
    var i = rows[r][0];
    if (i < 0) {
      var filler = codepane_el("div", "zcp-line zcp-filler zcp-differs");
      filler.appendChild(codepane_el("span", "zcp-no", " "));
      filler.appendChild(codepane_el("span", "zcp-text", codepane_compact(partner.lines[rows[r][1]].text) || " "));
      filler.title = "only in " + other.kernel;
      body.appendChild(filler);
      continue;
    }
    var ln = fn.lines[i];
    var row = codepane_el("div", "zcp-line zcp-" + ln.kind);
    row.appendChild(codepane_el("span", "zcp-no", String(i + 1)));
    row.appendChild(codepane_el("span", "zcp-text", codepane_compact(ln.text) || " "));
    row.setAttribute("data-line", String(i));
    if (other && !rows[r][2]) {
      row.className += " zcp-differs";
      row.title = rows[r][1] < 0 ? "only in " + state.ix.listing.kernel : "differs in " + other.kernel;
    }
    body.appendChild(row);
    if (ln.why) {
      row.className += " zcp-has-why";
      var why = codepane_el("div", "zcp-why", ln.why + " (" + ln.source + ")");
      row.title = (row.title ? row.title + " - " : "") + ln.why + " (" + ln.source + ")";
      body.appendChild(why);
    }
    lineEls[i] = row;
  }
  box.appendChild(body);
  body.addEventListener("click", function (ev) {
    var t = ev.target;
    while (t && t !== body && !(t.getAttribute && t.getAttribute("data-line") !== null)) t = t.parentNode;
    if (!t || t === body) return;
    codepane_jumpTo(state, fi, parseInt(t.getAttribute("data-line"), 10));
  });
  return {box: box, lines: lineEls};
}

/* "Run to here": the next step after the current one on that line, wrapping. */
function codepane_jumpTo(state, fi, li) {
  var ix = state.ix, n = ix.n, k = state.step;
  for (var d = 1; d <= n; d++) {
    var j = (k + d) % n;
    if (ix.fnOf[j] === fi && ix.lineOf[j] === li) {
      var go = state.opts.goto || state.opts.onJump;
      if (go) go(j);
      return j;
    }
  }
  return -1;
}

function codepane_clearMarks(state) {
  for (var i = 0; i < state.marked.length; i++) {
    state.marked[i].classList.remove("zcp-current", "zcp-done", "zcp-failed", "zcp-rollback", "zcp-pointed");
  }
  state.marked = [];
}

function codepane_mark(state, e, cls) {
  if (!e) return;
  e.classList.add(cls);
  state.marked.push(e);
}

export function drawCodePane(root, vm, step, opts) {
  opts = opts || {};
  var doc = root.ownerDocument || document;
  codepane_ensureStyle(doc);
  var state = root.__zcp;
  var other = opts.other && opts.other.listings ? opts.other.listings : null;
  if (!state || state.vm !== vm || state.otherListing !== other || state.pane.parentNode !== root) {
    root.textContent = "";
    var pane = codepane_el("div", "zcp");
    pane.setAttribute("role", "region");
    pane.setAttribute("aria-label", "kernel code of the current step");
    var none = codepane_el("div", "zcp-none", "");
    pane.appendChild(none);
    var legend = codepane_el("div", "zcp-legend");
    [["zcp-current", "current line"], ["zcp-done", "run in this call"], ["zcp-failed", "failed"],
     ["zcp-rollback", "rollback"]].forEach(function (p) { legend.appendChild(codepane_el("span", p[0], p[1])); });
    if (other) legend.appendChild(codepane_el("span", "zcp-differs", "differs from " + other.kernel));
    legend.appendChild(doc.createTextNode("click a line: run to the next step there"));
    root.appendChild(pane);
    root.appendChild(legend);
    state = root.__zcp = {vm: vm, ix: codepane_index(vm), pane: pane, none: none, built: {}, shown: -1,
                          marked: [], step: 0, opts: opts, otherListing: other};
  }
  state.opts = opts;
  root.classList.toggle("zcp-present", !!opts.present);
  var ix = state.ix;
  if (!ix.listing) {
    root.dataset.fn = ""; root.dataset.line = "";
    state.none.textContent = "No listing for this run.";
    return {fn: null, line: -1};
  }
  step = Math.max(0, Math.min(ix.n - 1, step | 0));
  state.step = step;
  var fi = ix.fnOf[step], li = ix.lineOf[step];
  root.dataset.fn = fi < 0 ? "" : ix.listing.functions[fi].name;
  root.dataset.line = fi < 0 ? "" : String(li);
  if (fi < 0) {
    // keep the last function on screen; say this step has no line
    state.none.textContent = "This step has no line in the listing.";
    state.none.style.display = "";
    codepane_clearMarks(state);
    return {fn: null, line: -1};
  }
  state.none.style.display = "none";
  if (state.shown !== fi) {
    if (state.shown >= 0) state.built[state.shown].box.style.display = "none";
    if (!state.built[fi]) {
      state.built[fi] = codepane_buildFunction(state, fi);
      state.pane.appendChild(state.built[fi].box);
    }
    state.built[fi].box.style.display = "";
    state.shown = fi;
  }
  var lines = state.built[fi].lines;
  codepane_clearMarks(state);
  var steps = ix.calls[ix.callOf[step]] || [step];
  for (var s = 0; s < steps.length && steps[s] <= step; s++) {
    var j = steps[s];
    if (ix.fnOf[j] !== fi) continue;
    var e = lines[ix.lineOf[j]];
    codepane_mark(state, e, "zcp-done");
    if (ix.rollback[j]) codepane_mark(state, e, "zcp-rollback");
    if (ix.failed[j]) codepane_mark(state, e, "zcp-failed");
  }
  var cur = lines[li];
  codepane_mark(state, cur, "zcp-current");
  if (opts.point && ix.listing.functions[fi].name === opts.point[0]) codepane_mark(state, lines[opts.point[1]], "zcp-pointed");
  if (cur && opts.scroll !== false) {
    // keep the line's first row in view below the function's sticky header; if not, put it a third of the way down
    // (its place in the pane's scrolled content, not offsetTop: the pane need not be the offset parent)
    var pane = state.pane, head = state.built[fi].box.firstChild, hh = head ? head.offsetHeight : 0;
    var top = cur.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop, h = pane.clientHeight;
    var row = Math.min(cur.offsetHeight, 40);
    if (top < pane.scrollTop + hh + 2 || top + row > pane.scrollTop + h - 4) pane.scrollTop = Math.max(0, top - hh - Math.max(4, (h - hh) / 3));
  }
  return {fn: ix.listing.functions[fi].name, line: li};
}

