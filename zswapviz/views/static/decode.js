/* zswapviz player, part "decode": the view model read into frames.
 *
 * decode(vm) indexes a "zswapviz-view/1" view model (docs/viewmodel.md) once:
 * cell checkpoints every CHECKPOINT steps, every value as an array over the
 * steps, the change offsets; cellsAt/applyCells/sizesAt give the state after a
 * step; fill, jumpTarget, badgeAt, sentenceAt and titleAt are the one rule for
 * each thing the page writes (zswapviz.views.frames decodes the same in Python
 * for the tests). No DOM. Part of the one renderer that
 * zswapviz.views.assets.bundle() assembles; see player.js.
 */

export const FORMAT = "zswapviz-view/1";
export const LESSON_FORMAT = "zswapviz-lesson/1";
export const CHECKPOINT = 64;

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

export function cellsAt(x, k) {
  const c = Math.floor(k / CHECKPOINT), cp = x.checkpoints[c], ch = x.vm.cells.changes;
  const s = { state: cp[0].slice(), len: cp[1].slice(), flags: cp[2].slice() };
  applyCells(x, s, c * CHECKPOINT + 1, k);
  return s;
}

export function applyCells(x, s, from, to) {
  const ch = x.vm.cells.changes;
  for (let j = x.cStart[Math.max(from, 0)]; j < x.cStart[to + 1]; j++) {
    const i = ch.page[j]; s.state[i] = ch.state[j]; s.len[i] = ch.length[j]; s.flags[i] = ch.flags[j];
  }
}

/* Per page after step k: compressed length (negative: failed) and class size. */
export function sizesAt(x, k) {
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
