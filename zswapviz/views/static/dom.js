/* zswapviz player, part "dom": small helpers to build HTML and SVG elements
 * and to size an SVG's labels. All text goes through textContent. Part of
 * the one renderer that zswapviz.views.assets.bundle() assembles; see player.js.
 */

const SVGNS = "http://www.w3.org/2000/svg";

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

export function button(label, act, title) {
  const b = el("button", "zvp-btn", label);
  b.type = "button";
  b.dataset.act = act;
  if (title) b.title = title;
  return b;
}

export function fmt(v) {
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(1);
}

export function niceMax(v) {
  if (v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* The font size of an svg's labels, and a baseline y that keeps a label of
 * that size inside an svg of height h (its box: about 1em above the baseline, 0.25em below). */
export function fontOf(svgEl) { return parseFloat(getComputedStyle(svgEl).fontSize) || 16; }
export function labelY(y, h, fs) { return Math.max(Math.ceil(fs), Math.min(h - Math.ceil(fs * 0.25), y)); }

export function sizeOf(svgEl) {
  const r = svgEl.getBoundingClientRect();
  return { w: Math.max(120, Math.round(r.width)), h: Math.max(80, Math.round(r.height)) };
}

/* A panel's drawing: the static SVG (redrawn only when the view or the size
 * changes) under an overlay SVG on its own compositing layer for what moves
 * every step (the current step's marker, the faded or hidden future, the
 * framed cell), so a step never repaints the big static paths. */
export function layered(name) {
  const div = el("div", "zvp-layer");
  const st = svg("svg", { class: "zvp-svg", "data-panel": name, role: "img" }, div);
  const over = svg("svg", { class: "zvp-over", "aria-hidden": "true" }, div);
  return [div, st, over];
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
