/**
 * Chapter 9's widget kind for the built book, added to TemperedWidgets with register():
 *
 * "speculative-overlap": a draft's and a target's next-token distributions at temperature T
 * (over the tokens whose logits the page embedded, renormalised over them) and their overlap
 * min(p_i, q_i), whose total is the probability that speculative sampling accepts a draft
 * token, 1 - TV(p, q). Errors name the kind and the field, like the shared script's.
 */
(() => {
  "use strict";

  const W = 640;
  const H = 300;
  const M = { left: 62, right: 16, top: 14, bottom: 70 };
  const BASE = H - M.bottom;
  const COLORS = { target: "#0072B2", draft: "#E69F00", overlap: "#D55E00" };
  const KIND = "speculative-overlap";

  // The shared script's element builders (TemperedWidgets.dom).
  const svgEl = (...args) => window.TemperedWidgets.dom.svgEl(...args);
  const htmlEl = (...args) => window.TemperedWidgets.dom.htmlEl(...args);

  const isLogitArray = (x, n) => Array.isArray(x) && x.length === n && x.length > 0
    && x.every((u) => typeof u === "number" && Number.isFinite(u));

  /** Throws an Error naming the kind and the first field of `spec` that breaks its rule. */
  function check(spec) {
    const fail = (field, rule) => {
      throw new Error(`tempered-widgets: "${KIND}" widget: spec.${field} must be ${rule}`);
    };
    if (spec === null || typeof spec !== "object") fail("(all)", "a JSON object");
    const n = Array.isArray(spec.target) ? spec.target.length : 0;
    if (!isLogitArray(spec.target, n)) fail("target", "a non-empty array of finite numbers");
    if (!isLogitArray(spec.draft, n)) fail("draft", `an array of ${n} finite numbers`);
    if (!Array.isArray(spec.labels) || spec.labels.length !== n) {
      fail("labels", `an array of ${n} strings`);
    }
    if (spec.T !== undefined && !(typeof spec.T === "number" && spec.T > 0)) {
      fail("T", "a positive number");
    }
  }

  /** softmax(u / T), stable: the largest logit is subtracted first. */
  function temper(u, T) {
    const max = Math.max(...u);
    const w = u.map((x) => Math.exp((x - max) / T));
    const z = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / z);
  }

  function draw(root, spec) {
    check(spec);
    const n = spec.target.length;
    const title = htmlEl("div", { class: "tw-title" }, root);
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": spec.alt || "bar chart of two distributions and their overlap" }, root);
    const y = (p) => BASE - p / 1.02 * (BASE - M.top);
    for (const v of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
      svgEl("line", { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: "tw-grid" }, svg);
      svgEl("text", { x: M.left - 6, y: y(v) + 4, class: "tw-tick", "text-anchor": "end" },
        svg, v.toFixed(1));
    }
    svgEl("line", { x1: M.left, y1: BASE, x2: W - M.right, y2: BASE, class: "tw-axis" }, svg);
    svgEl("line", { x1: M.left, y1: M.top, x2: M.left, y2: BASE, class: "tw-axis" }, svg);
    svgEl("text", { x: (M.left + W - M.right) / 2, y: H - 8, class: "tw-label",
      "text-anchor": "middle" }, svg, spec.xlabel || "next token");
    svgEl("text", { x: 16, y: (M.top + BASE) / 2, class: "tw-label", "text-anchor": "middle",
      transform: `rotate(-90 16 ${(M.top + BASE) / 2})` }, svg, "probability");
    const slot = (W - M.left - M.right) / n;
    const bar = (x, width, fill) => svgEl("rect", { x, width, y: BASE, height: 0, fill }, svg);
    const tokens = spec.labels.map((label, i) => {
      const x = M.left + i * slot;
      svgEl("text", { class: "tw-tick", "text-anchor": "end",
        transform: `translate(${x + slot / 2},${BASE + 12}) rotate(-40)` }, svg, label);
      return {
        target: bar(x + slot * 0.12, slot * 0.36, COLORS.target),
        draft: bar(x + slot * 0.52, slot * 0.36, COLORS.draft),
        overlap: bar(x + slot * 0.3, slot * 0.4, COLORS.overlap),
      };
    });
    const legend = htmlEl("div", { class: "tw-legend" }, root);
    for (const [color, mark, text] of [[COLORS.target, "█", " target p"],
      [COLORS.draft, "█", " draft q"], [COLORS.overlap, "█", " overlap min(p, q)"]]) {
      const item = htmlEl("span", {}, legend);
      htmlEl("span", { class: "tw-mark", "data-mark": mark, "aria-hidden": "true",
        style: `color:${color}` }, item);
      item.append(`${text}   `);
    }
    const controls = htmlEl("div", { class: "tw-controls" }, root);
    const row = htmlEl("label", { class: "tw-control" }, controls);
    htmlEl("span", {}, row, "T ");
    const input = htmlEl("input", { type: "range", min: 0, max: 1000, step: 1,
      "aria-label": "temperature" }, row);
    const out = htmlEl("output", {}, row);
    const [lo, hi] = [Math.log10(0.05), Math.log10(20)];
    input.value = Math.round((Math.log10(spec.T || 1) - lo) / (hi - lo) * 1000);

    const setBar = (rect, p) => {
      rect.setAttribute("y", y(p));
      rect.setAttribute("height", Math.max(0, BASE - y(p)));
    };
    function update() {
      const T = Math.pow(10, lo + (hi - lo) * Number(input.value) / 1000);
      const p = temper(spec.target, T);
      const q = temper(spec.draft, T);
      let alpha = 0;
      tokens.forEach((t, i) => {
        const m = Math.min(p[i], q[i]);
        alpha += m;
        setBar(t.target, p[i]);
        setBar(t.draft, q[i]);
        setBar(t.overlap, m);
      });
      out.textContent = T.toPrecision(3);
      title.textContent = `T = ${T.toPrecision(3)}: acceptance probability `
        + `sum min(p, q) = 1 - TV(p, q) = ${alpha.toFixed(3)}`;
      root.setAttribute("data-state", alpha.toFixed(6));
    }
    input.addEventListener("input", update);
    update();
  }

  const register = () => window.TemperedWidgets.register(KIND, draw);
  if (window.TemperedWidgets) register();
  else window.addEventListener("DOMContentLoaded", register);
})();
