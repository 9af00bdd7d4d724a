/* zswapviz report pages: start the one renderer (views/static/player.js,
 * bundled before this file into one module) on every [data-zv-player]
 * element, from the view model or lesson view in the JSON script it names.
 * Also: the step marker on the static figures (a click on one picks a step),
 * the "all variants" bar and arrow keys of a comparison (where a click on a
 * line of one variant's code pane moves every variant to that kernel event),
 * the lesson's stop
 * list, and #present. Never fetches anything.
 */
const zvPlayers = {};
const zvOrder = [];
let zvActive = null;

function zvMarkers(id, k) {
  document.querySelectorAll("figure[data-zv-fig='" + id + "']").forEach(function (fig) {
    const g = JSON.parse(fig.dataset.geom), box = fig.querySelector(".zv-figbox");
    let m = box.querySelector(".zv-marker");
    if (!m) { m = document.createElement("div"); m.className = "zv-marker"; box.appendChild(m); }
    const frac = g.xmax === g.xmin ? 0 : (k - g.xmin) / (g.xmax - g.xmin);
    m.style.left = (100 * (g.x0 + frac * (g.x1 - g.x0))) + "%";
    m.style.top = (100 * (1 - g.y1)) + "%";
    m.style.height = (100 * (g.y1 - g.y0)) + "%";
  });
}

document.querySelectorAll("[data-zv-player]").forEach(function (host) {
  const id = host.dataset.zvPlayer;
  const data = JSON.parse(document.getElementById(id).textContent);
  const lesson = String(data.format || "").indexOf("zswapviz-lesson/") === 0;
  const opts = { counters: true, onStep: function (k) { zvMarkers(id, k); } };
  const index = zvOrder.length;
  if (document.body.dataset.sync === "1") opts.goto = function (k) { zvRunTo(index, k); };
  if (lesson) opts.lesson = data; else opts.vm = data;
  const p = createPlayer(host, opts);
  zvPlayers[id] = p;
  zvOrder.push(p);
  if (!zvActive) zvActive = p;
  host.addEventListener("pointerdown", function () { zvActive = p; });
  host.addEventListener("focusin", function () { zvActive = p; });
  zvMarkers(id, p.k);
});

/* "Run to here" in variant i's code pane, at its step k: every variant to the same kernel event, through the
 * pairing of the first variant with each other one (zv-align, zswapviz.views.alignment.align) read by pair.js
 * rowSteps/otherStep, the mapping the side-by-side pair steps with. */
let zvMaps = null;
function zvRunTo(i, k) {
  const src = document.getElementById("zv-align");
  if (!src) { zvOrder[i].show(k); return; }
  if (!zvMaps) zvMaps = JSON.parse(src.textContent).map(function (rows, j) { return rowSteps(rows, zvOrder[0].x.n, zvOrder[j + 1].x.n); });
  const k0 = i === 0 ? k : otherStep(zvMaps[i - 1], 1, k);
  zvOrder.forEach(function (p, j) { p.stop(); p.show(j === i ? k : j === 0 ? k0 : otherStep(zvMaps[j - 1], 0, k0)); });
  zvActive = zvOrder[i];
}

document.querySelectorAll("figure[data-zv-fig]").forEach(function (fig) {
  const p = zvPlayers[fig.dataset.zvFig];
  if (!p) return;
  const g = JSON.parse(fig.dataset.geom);
  fig.querySelector("img").addEventListener("click", function (ev) {
    const r = ev.target.getBoundingClientRect();
    const t = ((ev.clientX - r.left) / r.width - g.x0) / (g.x1 - g.x0);
    if (t < 0 || t > 1) return;
    p.stop();
    zvActive = p;
    p.show(Math.round(g.xmin + t * (g.xmax - g.xmin)));
  });
});

document.querySelectorAll("[data-zv-all]").forEach(function (b) {
  b.addEventListener("click", function () { zvOrder.forEach(function (p) { p.act(b.dataset.zvAll); }); });
});

document.querySelectorAll("[data-zv-frame]").forEach(function (b) {
  b.addEventListener("click", function () {
    const p = zvPlayers[b.dataset.zvPlayerRef];
    if (!p || !p.lesson) return;
    p.showFrame(Number(b.dataset.zvFrame));
    p.root.scrollIntoView({ block: "start" });
    p.root.focus();
  });
});

document.querySelectorAll("[data-zv-present]").forEach(function (b) {
  b.addEventListener("click", function () {
    const p = zvPlayers[b.dataset.zvPresent];
    if (p && p.root.dataset.present !== "1") p.act("present");
  });
});

/* Keys pressed outside every player: a comparison steps every variant, other pages the last one used. */
document.addEventListener("keydown", function (ev) {
  if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || !zvOrder.length) return;
  const t = ev.target, tag = t && t.tagName ? t.tagName.toLowerCase() : "";
  if (tag === "input" || tag === "select" || tag === "textarea" || (t.closest && t.closest(".zvp-root"))) return;
  const map = { ArrowRight: "next", ArrowLeft: "prev", Home: "start", End: "end", f: "failure", r: "rollback" };
  const a = map[ev.key];
  if (!a) return;
  ev.preventDefault();
  (document.body.dataset.sync === "1" ? zvOrder : [zvActive]).forEach(function (p) { p.act(a); });
});

if (location.hash === "#present") {
  const first = zvOrder.find(function (p) { return p.lesson; }) || zvOrder[0];
  if (first) first.act("present");
}
document.body.dataset.ready = "1";
