/* zswapviz player, part "widget": the anywidget entry point.
 *
 * The default export {render} draws zswapviz.views.stepper.PlayerWidget (a
 * run or a lesson: traitlets view, lesson_view, step, lesson_frame,
 * spoilers, teacher) or PairWidget (traitlet pair, row) and keeps the
 * traitlets and the page in step. Part of the one renderer that
 * zswapviz.views.assets.bundle() assembles; see player.js.
 */
import { createPlayer } from "./player.js";
import { createPair } from "./pair.js";

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
