/* zswapviz player, part "theme": the renderer's one style sheet.
 *
 * Colours come from JupyterLab's --jp-* variables when the player is in
 * JupyterLab, else from the light or dark scheme of the reader's system (or
 * the player's data-theme). ensureStyle(doc) adds the sheet to a document
 * once; presenting(root, on) locks the page's scroll while a player
 * presents. Part of the one renderer that zswapviz.views.assets.bundle()
 * assembles; see player.js.
 */

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
.zvp-root[data-present="1"] .zvp-lesson { margin: 0; }
/* presenting: the page under the full-window player does not scroll (presenting() below) */
html.zvp-presenting, html.zvp-presenting body { overflow: hidden !important; }
html.zvp-presenting body { height: 100vh; margin-top: 0; margin-bottom: 0; }
/* presenting a lesson: fits the window without scrolling (type 18-20 px, by the window's height). The title, the
   controls and the step's sentence across the top; below, on the left the panels, which take the height left
   (rebuilt at that size), on the right the stop (moved there by player.js relayout()) above the code pane, which
   scrolls inside itself, and the counters. */
.zvp-root[data-present="1"][data-lesson="1"] { display: grid; grid-template-columns: minmax(0, 1fr) minmax(360px, 46%);
  grid-template-rows: auto auto auto auto minmax(0, 1fr); column-gap: 12px;
  --zvp-font: clamp(18px, calc(100vh / 42), 20px); }
.zvp-root[data-present="1"][data-lesson="1"] > * { grid-column: 1 / -1; min-width: 0; }
.zvp-root[data-present="1"][data-lesson="1"] > .zvp-main { display: contents; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-panels { grid-column: 1; grid-row: 5; min-height: 0;
  grid-template-rows: minmax(0, 1fr) minmax(0, 1fr); }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-panel { display: flex; flex-direction: column; min-height: 0; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-panel > .zvp-layer { flex: 1 1 0; height: auto; min-height: 60px; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-side { grid-column: 2; grid-row: 5; max-height: none; min-height: 0; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-side > * { flex: none; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-side > .zvp-code { flex: 3 1 0; min-height: 8em; display: flex; flex-direction: column; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-side > .zvp-counterbox { flex: 2 1 0; min-height: 5em; overflow: auto; }
.zvp-root[data-present="1"][data-lesson="1"] .zvp-code .zcp { flex: 1 1 0; min-height: 0; max-height: none; }
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

export function ensureStyle(doc) {
  if (doc.getElementById("zvp-style")) return;
  const s = doc.createElement("style");
  s.id = "zvp-style";
  s.textContent = CSS;
  (doc.head || doc.documentElement).appendChild(s);
}

/* While a player presents (its root fills the window), the page under it does not scroll: <html> gets the class
 * zvp-presenting (styled above) and the page's scroll position comes back when the last presenting player leaves.
 * Where an ancestor confines position:fixed to itself (JupyterLab's notebook panel), the root is moved to <body>
 * while it presents, so it fills the window there too, and put back after. */
export function presenting(root, on) {
  const doc = root.ownerDocument || document, html = doc.documentElement, win = doc.defaultView || window;
  if (on && !html.classList.contains("zvp-presenting")) {
    html.dataset.zvpScroll = String(win.scrollY || 0);
    html.classList.add("zvp-presenting");
  }
  if (on && root.parentNode !== doc.body) {
    const r = root.getBoundingClientRect();
    if (r.left > 1 || r.top > 1 || r.width < win.innerWidth - 1 || r.height < win.innerHeight - 1) {
      root.__zvpHome = [root.parentNode, root.nextSibling];
      doc.body.appendChild(root);
    }
  }
  if (!on && root.__zvpHome) {
    const home = root.__zvpHome;
    root.__zvpHome = null;
    home[0].insertBefore(root, home[1] && home[1].parentNode === home[0] ? home[1] : null);
  }
  if (!on && !doc.querySelector(".zvp-root[data-present='1']") && html.classList.contains("zvp-presenting")) {
    html.classList.remove("zvp-presenting");
    win.scrollTo(0, Number(html.dataset.zvpScroll) || 0);
    delete html.dataset.zvpScroll;
  }
}
