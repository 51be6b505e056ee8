/* Static twins of the course's widgets: explorable in the built book, no kernel, no CDN.
 *
 * A page holds <div class="tempered-widget" data-kind="..." data-spec="{json}">, written by
 * src/tempered/widgets/static.py; this script finds each one and draws an SVG figure with its
 * controls. Tempering is exact and cheap, so the browser re-computes softmax(u / T) from the
 * logits embedded at build time. Kinds: "bars" (a distribution at temperature T), "two-logit",
 * "smooth-max", "tour-replay" (a recorded annealing run), "flow-samples" (pre-computed flow
 * samples at a latent temperature) and "truncation". Every control updates the existing SVG
 * elements in place instead of redrawing the figure. Other scripts add kinds with
 * TemperedWidgets.register(kind, draw): one file per chapter, _static/tempered-widgets-<topic>.js.
 *
 * The file is served as it is (no build step): an ES2020 classic script, linted by
 * web/eslint.config.js (`npm run lint` in web/).
 */
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const W = 640;
  const H = 300;
  const M = { left: 62, right: 16, top: 14, bottom: 70 };
  const BASE = H - M.bottom; // y of the x axis: bars grow up from here
  const COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"];

  /* ---- DOM helpers ------------------------------------------------------------------------ */

  /** Sets the attributes in order (the order shows in the DOM), the text, and appends. */
  function build(node, attrs, parent, text) {
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  const svgEl = (name, attrs, parent, text) =>
    build(document.createElementNS(SVG_NS, name), attrs, parent, text);
  const htmlEl = (name, attrs, parent, text) =>
    build(document.createElement(name), attrs, parent, text);

  /** Axis titles are centred; the rotated one reads upwards along a y axis. */
  const axisLabel = (parent, x, y, text, extra = {}) =>
    svgEl("text", { x, y, class: "tw-label", "text-anchor": "middle", ...extra }, parent, text);
  const yAxisLabel = (parent, x, y, text) =>
    axisLabel(parent, x, y, text, { transform: `rotate(-90 ${x} ${y})` });
  const tickText = (parent, x, y, anchor, text) =>
    svgEl("text", { x, y, class: "tw-tick", "text-anchor": anchor }, parent, text);

  /** Three significant digits; exponent notation where that would hide the value. */
  const fmt = (x) =>
    (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toPrecision(3));

  const range = (n, f) => Array.from({ length: n }, (_, k) => f(k));

  /* ---- Numerics: the formulas of the Python package (tempered.softmax), stable ----------- */

  const isMasked = (u) => u === null || u === -Infinity;

  /** Unnormalised weight of logit u: exp((u - max) / T), with the T = 0 and T = inf limits. */
  function weight(u, max, T) {
    if (isMasked(u)) return 0;
    if (T === 0) return u === max ? 1 : 0;
    if (T === Infinity) return 1;
    return Math.exp((u - max) / T);
  }

  /** softmax(u / T), unchecked. Subtracting the max keeps every exponent <= 0: exp may
   * underflow to 0 but never overflows. */
  function softmaxAt(logits, T) {
    let max = -Infinity;
    for (const u of logits) if (u !== null && u > max) max = u;
    const w = logits.map((u) => weight(u, max, T));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  }

  /** The error for an argument outside its domain, naming the function and the argument. */
  const badArgument = (func, name, expected, value) =>
    new RangeError(`${func}: ${name} must be ${expected}, got ${value}`);

  function checkLogits(logits, func) {
    if (!Array.isArray(logits) || logits.length === 0) {
      throw new TypeError(`${func}: logits must be a non-empty array`);
    }
    logits.forEach((u, i) => {
      if (u !== null && (typeof u !== "number" || Number.isNaN(u) || u === Infinity)) {
        throw new TypeError(`${func}: logits[${i}] must be a finite number, or -Infinity or null `
          + `for a masked token, got ${u}`);
      }
    });
    if (logits.every(isMasked)) {
      throw new RangeError(`${func}: logits are all masked; at least one must be finite`);
    }
  }

  /**
   * Probabilities softmax(logits / T); null or -Infinity marks a masked token (probability 0).
   * T = 0 gives the T -> 0 limit (uniform over the maximal logits), T = Infinity the T -> inf
   * limit (uniform over the unmasked ones), as tempered.tempered_softmax does.
   */
  function temper(logits, T) {
    checkLogits(logits, "temper");
    if (typeof T !== "number" || !(T >= 0)) {
      throw badArgument("temper", "T", "a number >= 0 (Infinity allowed)", T);
    }
    return softmaxAt(logits, T);
  }

  /** Shannon entropy -sum p log p in nats, with 0 log 0 = 0. */
  function entropy(p) {
    if (!Array.isArray(p)) throw new TypeError("entropy: p must be an array of probabilities");
    return p.reduce((h, x) => (x > 0 ? h - x * Math.log(x) : h), 0);
  }

  /** log(sum(exp(u))), shifted by the max so that no exp overflows. */
  function logSumExp(u) {
    const max = Math.max(...u);
    return max + Math.log(u.reduce((s, x) => s + Math.exp(x - max), 0));
  }

  /* ---- Spec checks: a broken spec shows an error naming the field, not a blank figure ----- */

  const isNumber = (x) => typeof x === "number" && Number.isFinite(x);
  const isPositive = (x) => isNumber(x) && x > 0;
  const isPoint = (x) => Array.isArray(x) && x.length === 2 && x.every(isNumber);
  const isInterval = (x) => isPoint(x) && x[0] < x[1];
  const isArrayOf = (test, minLength = 1) => (x) =>
    Array.isArray(x) && x.length >= minLength && x.every(test);
  const isLogits = (x) => isArrayOf((u) => u === null || isNumber(u))(x) && x.some(isNumber);
  const optional = (test) => (x, spec) => x === undefined || test(x, spec);
  const oneOf = (values) => (x) => values.includes(x);

  const LOGITS = "an array of numbers and nulls (masked tokens) with at least one number";
  const tokenCount = (spec) => (spec.energies || spec.logits).length;
  const isLabels = (x, spec) => Array.isArray(x) && x.length === tokenCount(spec);
  const LABELS_RULE = ["labels", optional(isLabels), "an array with one label per token"];
  const sameLength = (field) => (x, spec) => Array.isArray(x) && x.length === spec[field].length;
  const AXIS_RULES = [
    ["xmin", isNumber, "a number"],
    ["xmax", (x, spec) => isNumber(x) && x > spec.xmin, "a number above xmin"],
    ["ymin", isNumber, "a number"],
    ["ymax", (x, spec) => isNumber(x) && x > spec.ymin, "a number above ymin"],
    ["T", optional(isPositive), "a positive number"],
  ];

  /** Throws an Error naming the widget kind and the first field of `spec` that breaks its rule;
   * rules are [field, test(value, spec), what the field must be], checked in order. */
  function checkSpec(kind, spec, rules) {
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      throw new Error(`tempered-widgets: "${kind}" widget: data-spec must be a JSON object`);
    }
    for (const [field, test, expected] of rules) {
      const value = spec[field];
      if (!test(value, spec)) {
        const problem = value === undefined ? "is missing" : "is invalid";
        throw new Error(`tempered-widgets: "${kind}" widget: spec.${field} ${problem}; `
          + `expected ${expected}`);
      }
    }
  }

  /* ---- Figure parts ----------------------------------------------------------------------- */

  /** The title line and the SVG canvas every figure starts with. */
  function figure(root, alt) {
    const title = htmlEl("div", { class: "tw-title" }, root);
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": alt }, root);
    return { title, svg };
  }

  /** Axis lines and labels; returns the group that holds the y ticks, redrawn by drawYTicks. */
  function makeAxes(svg, xLabel, yLabel) {
    const ticks = svgEl("g", { class: "tw-ticks" }, svg);
    svgEl("line", { x1: M.left, y1: BASE, x2: W - M.right, y2: BASE, class: "tw-axis" }, svg);
    svgEl("line", { x1: M.left, y1: M.top, x2: M.left, y2: BASE, class: "tw-axis" }, svg);
    const x = (M.left + W - M.right) / 2;
    const y = (M.top + H - M.bottom) / 2;
    axisLabel(svg, x, H - 8, xLabel);
    yAxisLabel(svg, 16, y, yLabel);
    return ticks;
  }

  /** Maps data y in [lo, hi] to pixels, linearly or in log10 (where values below lo sit at lo). */
  function yScale(lo, hi, log) {
    const a = log ? Math.log10(lo) : lo;
    const b = log ? Math.log10(hi) : hi;
    return (y) => {
      const v = log ? Math.log10(Math.max(y, lo)) : y;
      return BASE - (v - a) / (b - a) * (H - M.top - M.bottom);
    };
  }

  function drawYTicks(group, values, scale, label) {
    group.textContent = "";
    for (const v of values) {
      const y = scale(v);
      svgEl("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, class: "tw-grid" }, group);
      tickText(group, M.left - 6, y + 4, "end", label(v));
    }
  }

  /** Probability axes: `floor` is where a probability of 0 is drawn. */
  const LINEAR_P = {
    scale: yScale(0, 1.02, false), ticks: [0, 0.2, 0.4, 0.6, 0.8, 1.0], floor: 0,
    label: (v) => v.toFixed(1),
  };
  const LOG_P = {
    scale: yScale(1e-6, 1.5, true), ticks: [1e-6, 1e-4, 1e-2, 1], floor: 1e-6,
    label: (v) => `1e${Math.round(Math.log10(v))}`,
  };

  /** A bar from the x axis up to pixel height y. */
  function setBar(rect, y) {
    rect.setAttribute("y", Math.min(y, BASE));
    rect.setAttribute("height", Math.max(0, BASE - y));
  }

  /** A tick label under token i, slanted so that long words fit. */
  function tokenLabel(svg, x, dy, text) {
    svgEl("text", {
      class: "tw-tick", "text-anchor": "end", transform: `translate(${x},${BASE + dy}) rotate(-40)`,
    }, svg, text);
  }

  /**
   * A legend line of [color, text] items whose text starts with a mark (● ━ █ ...). Only
   * the mark takes the color, drawn by CSS from data-mark: the words keep the text color,
   * whose contrast passes WCAG AA, which orange or sky blue on white would not.
   */
  function legend(root, items) {
    const box = htmlEl("div", { class: "tw-legend" }, root);
    for (const [color, text] of items) {
      const item = htmlEl("span", {}, box);
      const [mark, ...rest] = Array.from(text);
      htmlEl("span", { class: "tw-mark", "data-mark": mark, "aria-hidden": "true",
        ...(color ? { style: `color:${color}` } : {}) }, item);
      item.append(rest.join(""));
    }
  }

  const controlsOf = (root) => htmlEl("div", { class: "tw-controls" }, root);

  /* ---- Sliders: {input, out, get()} where get() reads the value in data units ------------- */

  function sliderRow(parent, name, attrs) {
    const row = htmlEl("label", { class: "tw-control" }, parent);
    htmlEl("span", {}, row, `${name} `);
    const input = htmlEl("input", attrs, row);
    const out = htmlEl("output", {}, row);
    return { input, out };
  }

  /** 1000 steps evenly spaced in log10 between min and max. */
  function logSlider(parent, name, { min, max, value, aria }) {
    const { input, out } = sliderRow(parent, name,
      { type: "range", min: 0, max: 1000, step: 1, "aria-label": aria || name });
    const a = Math.log10(min);
    const b = Math.log10(max);
    input.value = Math.round((Math.log10(value) - a) / (b - a) * 1000);
    return { input, out, get: () => Math.pow(10, a + (b - a) * Number(input.value) / 1000) };
  }

  function linSlider(parent, name, { min, max, step = 0.01, value }) {
    const { input, out } = sliderRow(parent, name,
      { type: "range", min, max, step, "aria-label": name });
    input.value = value;
    return { input, out, get: () => parseFloat(input.value) };
  }

  const temperatureSlider = (parent, value, min = 0.01, max = 100) =>
    logSlider(parent, "T", { min, max, value, aria: "temperature" });

  /* ---- "bars": a distribution at temperature T -------------------------------------------- */

  const BARS_RULES = [
    ["logits", (x, spec) => spec.energies !== undefined || isLogits(x), LOGITS],
    ["energies", optional(isLogits), "an array of numbers and nulls (forbidden states) "
      + "with at least one number"],
    LABELS_RULE,
    ["T", optional(isPositive), "a positive number"],
    ["tmin", optional(isPositive), "a positive number"],
    ["tmax", optional((x, spec) => isNumber(x) && x > (spec.tmin || 0.01)), "a number above tmin"],
    ["labelEvery", optional((x) => Number.isInteger(x) && x > 0), "a positive integer"],
  ];

  /** The tempered distribution, optionally with the T -> 0 and T -> inf limits marked.
   * With spec.energies instead of spec.logits it is a Boltzmann distribution (logits = -E),
   * and the title shows the mean energy, the entropy and the free energy F = <E> - T H. */
  function bars(root, spec) {
    checkSpec("bars", spec, BARS_RULES);
    const { energies, limits } = spec;
    const logits = energies ? energies.map((e) => (e === null ? null : -e)) : spec.logits;
    const n = logits.length;
    const labelEvery = spec.labelEvery || Math.max(1, Math.ceil(n / 24));
    const { title, svg } = figure(root, spec.alt || "bar chart");
    const ticks = makeAxes(svg, spec.xlabel || "token", spec.ylabel || "probability");
    const slot = (W - M.left - M.right) / n;
    const unmasked = logits.filter((u) => u !== null);
    const finite = unmasked.length;
    const max = Math.max(...unmasked);
    const ties = logits.filter((u) => u === max).length;

    const tokens = logits.map((u, i) => {
      const x = M.left + i * slot;
      const rect = svgEl("rect", {
        x: x + slot * 0.15, width: Math.max(slot * 0.7, 1), y: BASE, height: 0, fill: COLORS[0],
      }, svg);
      const label = spec.labels ? spec.labels[i] : String(i);
      tokenLabel(svg, x + slot / 2, 12, i % labelEvery ? "" : label);
      if (!limits) return { u, rect };
      // Where the bar goes as T -> 0 (a dot) and as T -> inf (a line).
      const zero = svgEl("circle", {
        cx: x + slot / 2, r: 4.5, fill: COLORS[3], class: "tw-ref",
      }, svg);
      const inf = svgEl("rect", {
        x: x + slot * 0.1, width: slot * 0.8, height: 2.5, fill: COLORS[2], class: "tw-ref",
      }, svg);
      return { u, rect, zero, inf };
    });
    if (limits) {
      legend(root, [
        [COLORS[3], `● T → 0 limit (uniform over the ${ties} maximal logits)   `],
        [COLORS[2], `▬ T → ∞ limit (uniform over the ${finite} unmasked tokens)`],
      ]);
    }

    const controls = controlsOf(root);
    const slider = temperatureSlider(controls, spec.T || 1, spec.tmin || 0.01, spec.tmax || 100);
    const toggle = htmlEl("button", { type: "button", class: "tw-button", "aria-pressed": "false" },
      controls, "log y axis");
    let axis = LINEAR_P;

    function setAxis(log) {
      axis = log ? LOG_P : LINEAR_P;
      toggle.setAttribute("aria-pressed", String(log));
      drawYTicks(ticks, axis.ticks, axis.scale, axis.label);
      if (!limits) return;
      for (const { u, zero, inf } of tokens) {
        zero.setAttribute("cy", axis.scale(u === max ? 1 / ties : axis.floor));
        // On a log axis the dots of the non-maximal tokens (probability 0) would sit on the floor.
        zero.setAttribute("visibility", u === max || !log ? "visible" : "hidden");
        inf.setAttribute("y", axis.scale(u === null ? axis.floor : 1 / finite) - 1);
      }
    }

    function describe(T, p, h) {
      if (!energies) {
        return `T = ${fmt(T)}:  entropy H = ${h.toFixed(3)} nats `
          + `(max ${Math.log(finite).toFixed(3)})`;
      }
      const meanE = p.reduce((s, q, i) => (q > 0 ? s + q * energies[i] : s), 0);
      return `T = ${fmt(T)}:  ⟨E⟩ = ${meanE.toFixed(3)},  H = ${h.toFixed(3)} nats,  `
        + `F = ⟨E⟩ − T·H = ${(meanE - T * h).toFixed(3)}`;
    }

    function update() {
      const T = slider.get();
      const p = temper(logits, T);
      p.forEach((q, i) => setBar(tokens[i].rect, axis.scale(q)));
      slider.out.textContent = fmt(T);
      title.textContent = describe(T, p, entropy(p));
      root.setAttribute("data-state", p.map((q) => q.toFixed(6)).join(","));
    }

    toggle.addEventListener("click", () => {
      setAxis(axis === LINEAR_P);
      update();
    });
    slider.input.addEventListener("input", update);
    setAxis(false);
    update();
  }

  /* ---- "two-logit" and "smooth-max": curves y = f(x; params) with a marker ---------------- */

  /**
   * model: {xlabel, ylabel, series: [{name, f(x, params), dash}], sliders(controls) ->
   * {param: slider}, markerX(params), title(params)}. The marker sits on the first series.
   */
  function curve(root, spec, model) {
    const { xmin, xmax, ymin, ymax } = spec;
    const { title, svg } = figure(root, spec.alt || "line chart");
    const ticks = makeAxes(svg, model.xlabel, model.ylabel);
    const xs = range(201, (k) => xmin + (xmax - xmin) * k / 200);
    const sx = (x) => M.left + (x - xmin) / (xmax - xmin) * (W - M.left - M.right);
    const sy = yScale(ymin, ymax, false);
    drawYTicks(ticks, range(5, (t) => ymin + (ymax - ymin) * t / 4), sy, (v) => v.toFixed(2));
    for (const x of [xmin, (xmin + xmax) / 2, xmax]) {
      tickText(svg, sx(x), BASE + 16, "middle", fmt(x));
    }
    const paths = model.series.map((s, i) => svgEl("path", {
      fill: "none", stroke: COLORS[i], "stroke-width": 2.5, "stroke-dasharray": s.dash || "",
    }, svg));
    const marker = svgEl("circle", { r: 6, fill: COLORS[3] }, svg);
    legend(root, model.series.map((s, i) => [COLORS[i], `━ ${s.name}   `]));
    const sliders = Object.entries(model.sliders(controlsOf(root)));

    // Clamped just outside the plot so that a curve leaving it stays a straight edge.
    const pathOf = (f, params) => xs.map((x, j) => {
      const y = Math.min(Math.max(f(x, params), ymin - 1), ymax + 1);
      return `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    }).join("");

    function update() {
      const params = {};
      for (const [key, slider] of sliders) {
        params[key] = slider.get();
        slider.out.textContent = fmt(params[key]);
      }
      model.series.forEach((s, i) => paths[i].setAttribute("d", pathOf(s.f, params)));
      const mx = model.markerX(params);
      marker.setAttribute("cx", sx(mx));
      marker.setAttribute("cy", sy(model.series[0].f(mx, params)));
      const text = model.title(params);
      title.textContent = text;
      root.setAttribute("data-state", text);
    }

    for (const [, slider] of sliders) slider.input.addEventListener("input", update);
    update();
  }

  const TWO_LOGIT_RULES = [...AXIS_RULES, ["d", optional(isNumber), "a number"]];

  /** p1 = sigmoid(d / T) against the logit difference d, with the T = 1 curve for reference. */
  function twoLogit(root, spec) {
    checkSpec("two-logit", spec, TWO_LOGIT_RULES);
    const sigma = (z) => 1 / (1 + Math.exp(-z));
    curve(root, spec, {
      xlabel: "logit difference d = u₁ − u₂",
      ylabel: "p₁ = s(d / T)",
      series: [
        { name: "p₁ at the chosen T", f: (d, q) => sigma(d / q.T) },
        { name: "T = 1 (the model)", f: (d) => sigma(d), dash: "6 4" },
      ],
      sliders: (controls) => ({
        T: temperatureSlider(controls, spec.T || 1),
        d: linSlider(controls, "d", { min: spec.xmin, max: spec.xmax, value: spec.d || 1 }),
      }),
      markerX: (q) => q.d,
      title: (q) => {
        const p = sigma(q.d / q.T);
        return `d = ${fmt(q.d)}, T = ${fmt(q.T)}:  p₁ = ${p.toFixed(4)},  `
          + `p₂ = ${(1 - p).toFixed(4)}`;
      },
    });
  }

  const SMOOTH_MAX_RULES = [
    ["others", isArrayOf(isNumber, 0), "an array of numbers (the fixed logits)"],
    ...AXIS_RULES,
    ["x", optional(isNumber), "a number"],
  ];

  /** T * LSE(u / T) against one free logit x, between max(u) and max(u) + T log n. */
  function smoothMax(root, spec) {
    checkSpec("smooth-max", spec, SMOOTH_MAX_RULES);
    const { others, x: markerX = 0 } = spec;
    const lse = (x, q) => q.T * logSumExp([x, ...others].map((v) => v / q.T));
    const top = (x) => Math.max(x, ...others);
    curve(root, spec, {
      xlabel: "the varied logit x",
      ylabel: "value",
      series: [
        { name: "T · LSE(u / T)", f: lse },
        { name: "max(u)", f: top, dash: "6 4" },
        { name: "max(u) + T log n", f: (x, q) => top(x) + q.T * Math.log(others.length + 1),
          dash: "2 3" },
      ],
      sliders: (controls) => ({ T: temperatureSlider(controls, spec.T || 1) }),
      markerX: () => markerX,
      title: (q) => `T = ${fmt(q.T)}:  at x = ${fmt(markerX)}, `
        + `T·LSE = ${lse(markerX, q).toFixed(3)}, max = ${top(markerX).toFixed(3)}`,
    });
  }

  /* ---- "tour-replay": a recorded annealing run of a travelling-salesman tour -------------- */

  const oneIntegerPerStep = (x, spec) => sameLength("steps")(x, spec)
    && x.every(isArrayOf((i) => Number.isInteger(i) && i >= 0 && i < spec.cities.length));
  const numbersPerStep = (x, spec) => sameLength("steps")(x, spec) && x.every(isNumber);
  const TOUR_RULES = [
    ["cities", isArrayOf(isPoint, 2), "an array of at least two [x, y] points"],
    ["steps", isArrayOf(isNumber), "a non-empty array of step numbers"],
    ["tours", oneIntegerPerStep, "one tour (an array of indices into cities) per step"],
    ["lengths", numbersPerStep, "one tour length per step"],
    ["best", numbersPerStep, "one best-so-far length per step"],
    ["temperatures", numbersPerStep, "one temperature per step"],
    ["optimum", optional((x) => x === null || isNumber(x)), "a number or null"],
  ];

  /** The cities on a square map (left); returns the tour polyline and the map's scales. */
  function cityMap(svg, cities) {
    const xs = cities.map((c) => c[0]);
    const ys = cities.map((c) => c[1]);
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const y0 = Math.min(...ys);
    const y1 = Math.max(...ys);
    const side = H - M.top - 20;
    const scale = side / Math.max(x1 - x0, y1 - y0);
    const cx = (x) => 12 + (x - x0) * scale;
    const cy = (y) => M.top + side - (y - y0) * scale;
    const tour = svgEl("polyline", { fill: "none", stroke: COLORS[0], "stroke-width": 2 }, svg);
    for (const [x, y] of cities) {
      svgEl("circle", { cx: cx(x), cy: cy(y), r: 3.5, class: "tw-city" }, svg);
    }
    return { tour, cx, cy, right: 12 + side };
  }

  /** Tour length against step (right of the map); returns the step marker and its x scale. */
  function lengthTrace(svg, spec, left) {
    const { steps, optimum } = spec;
    const right = W - M.right;
    const top = M.top;
    const bottom = BASE + 20;
    const all = spec.lengths.concat(spec.best, optimum ? [optimum] : []);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const last = steps[steps.length - 1] || 1;
    const px = (s) => left + s / last * (right - left);
    const py = (v) => bottom - (v - lo) / (hi - lo || 1) * (bottom - top);
    const line = (attrs) => svgEl("line", attrs, svg);
    line({ x1: left, y1: bottom, x2: right, y2: bottom, class: "tw-axis" });
    line({ x1: left, y1: top, x2: left, y2: bottom, class: "tw-axis" });
    axisLabel(svg, (left + right) / 2, H - 8, "step");
    yAxisLabel(svg, left - 40, (top + bottom) / 2, "tour length");
    for (const v of [lo, hi]) {
      tickText(svg, left - 4, py(v) + 4, "end", v.toFixed(2));
    }
    const d = (values) => values.map((v, i) =>
      `${i ? "L" : "M"}${px(steps[i]).toFixed(1)},${py(v).toFixed(1)}`).join("");
    svgEl("path", { d: d(spec.lengths), fill: "none", stroke: COLORS[0], "stroke-width": 1 }, svg);
    svgEl("path", { d: d(spec.best), fill: "none", stroke: COLORS[1], "stroke-width": 2.5 }, svg);
    if (optimum) {
      line({ x1: left, x2: right, y1: py(optimum), y2: py(optimum), stroke: COLORS[2],
        "stroke-dasharray": "6 4" });
    }
    const marker = line({ y1: top, y2: bottom, stroke: COLORS[3], "stroke-width": 1.5 });
    return { marker, px };
  }

  function tourReplay(root, spec) {
    checkSpec("tour-replay", spec, TOUR_RULES);
    const { cities, steps, tours } = spec;
    const { title, svg } = figure(root, spec.alt || "annealing replay");
    const map = cityMap(svg, cities);
    const trace = lengthTrace(svg, spec, map.right + 70);
    legend(root, [
      [COLORS[0], "━ current length   "],
      [COLORS[1], "━ best so far   "],
      ...(spec.optimum ? [[COLORS[2], "╌ optimum"]] : []),
    ]);
    const slider = linSlider(controlsOf(root), "record",
      { min: 0, max: steps.length - 1, step: 1, value: 0 });

    function update() {
      const k = Math.round(slider.get());
      const order = [...tours[k], tours[k][0]]; // back to the start
      map.tour.setAttribute("points", order.map((i) =>
        `${map.cx(cities[i][0]).toFixed(1)},${map.cy(cities[i][1]).toFixed(1)}`).join(" "));
      trace.marker.setAttribute("x1", trace.px(steps[k]));
      trace.marker.setAttribute("x2", trace.px(steps[k]));
      slider.out.textContent = `step ${steps[k]}`;
      title.textContent = `step ${steps[k]}, T = ${fmt(spec.temperatures[k])}:  length `
        + `${spec.lengths[k].toFixed(3)}, best ${spec.best[k].toFixed(3)}`;
      root.setAttribute("data-state", String(k));
    }

    slider.input.addEventListener("input", update);
    update();
  }

  /* ---- "flow-samples": samples of 2-D flows at a latent temperature tau (chapter 10) ------- */

  /** frames[k][panel] holds the [x, y] samples at taus[k]; a panel keeps its number of points. */
  const framesFit = (x, spec) => sameLength("taus")(x, spec) && x.every((frame) =>
    Array.isArray(frame) && frame.length === spec.names.length
    && frame.every((points, p) => isArrayOf(isPoint, 0)(points)
      && points.length === x[0][p].length));
  const FLOW_RULES = [
    ["taus", isArrayOf(isNumber), "a non-empty array of latent temperatures"],
    ["names", isArrayOf(() => true), "a non-empty array of flow names"],
    ["xlim", isInterval, "[low, high] with low < high"],
    ["ylim", isInterval, "[low, high] with low < high"],
    ["frames", framesFit, "one frame per tau, each with one array of [x, y] points per flow "
      + "and as many points in every frame"],
    ["tau", optional(isNumber), "a number"],
  ];

  /**
   * The samples f(tau * eps) were computed at build time for each tau in spec.taus; the slider
   * shows the frame at the nearest tau. One panel per flow, with equal scales on x and y.
   */
  function flowSamples(root, spec) {
    checkSpec("flow-samples", spec, FLOW_RULES);
    const { names, taus, frames, xlim: sx, ylim: sy } = spec;
    const { title, svg } = figure(root, spec.alt || "flow samples");
    const P = names.length;
    const gap = 46;
    const span = Math.max(sx[1] - sx[0], sy[1] - sy[0]);
    // side: pixels per `span` data units, the largest that fits both ways
    const side = Math.min((H - M.top - 44) * span / (sy[1] - sy[0]),
      (W - 20 - gap * P) / P * span / (sx[1] - sx[0]));
    const bw = (sx[1] - sx[0]) / span * side;
    const bh = (sy[1] - sy[0]) / span * side;
    const inside = ([x, y]) => x >= sx[0] && x <= sx[1] && y >= sy[0] && y <= sy[1];

    const panels = names.map((name, p) => {
      const left = gap + p * (bw + gap);
      const top = M.top;
      const px = (x) => left + (x - sx[0]) / span * side;
      const py = (y) => top + (sy[1] - y) / span * side;
      const frame = { x: left, y: top, width: bw, height: bh, fill: "none", class: "tw-axis" };
      svgEl("rect", frame, svg);
      axisLabel(svg, left + bw / 2, top + bh + 34, name);
      for (const x of sx) tickText(svg, px(x), top + bh + 16, "middle", fmt(x));
      for (const y of sy) tickText(svg, left - 4, py(y) + 4, "end", fmt(y));
      const g = svgEl("g", { fill: COLORS[p % COLORS.length], "fill-opacity": 0.5 }, svg);
      const dots = frames[0][p].map(() => svgEl("circle", { r: 1.6 }, g));
      return { px, py, dots };
    });

    const { tau: start = 1 } = spec;
    const slider = linSlider(controlsOf(root), "s",
      { min: taus[0], max: taus[taus.length - 1], step: 0.01, value: start });

    function nearestFrame(t) {
      let k = 0;
      taus.forEach((v, i) => {
        if (Math.abs(v - t) < Math.abs(taus[k] - t)) k = i;
      });
      return k;
    }

    function update() {
      const k = nearestFrame(slider.get());
      panels.forEach(({ px, py, dots }, p) => {
        frames[k][p].forEach((pt, i) => {
          dots[i].setAttribute("cx", px(pt[0]).toFixed(1));
          dots[i].setAttribute("cy", py(pt[1]).toFixed(1));
          dots[i].setAttribute("visibility", inside(pt) ? "visible" : "hidden");
        });
      });
      const tau = taus[k];
      slider.out.textContent = tau.toFixed(2);
      title.textContent = `latent std × s, s = ${tau.toFixed(2)}  `
        + `(samples p_z^(1/T) with T = s² = ${(tau * tau).toFixed(2)})`;
      root.setAttribute("data-state", String(k));
    }

    slider.input.addEventListener("input", update);
    update();
  }

  /* ---- "truncation": temperature next to truncation (chapter 7) ---------------------------
   * The same rules as tempered.truncation, so the browser and Python keep the same tokens,
   * ties included. Top-k keeps logits >= the k-th largest; top-p sorts ascending (stable: among
   * equal logits the later index ranks higher) and removes a token while the running sum up to
   * it is <= 1 - p; min-p removes p_i < min_p * p_max. The "transformers" order divides by T
   * first; "llama.cpp" order truncates first and divides by T last. Below, z holds logits with
   * -Infinity for masked tokens. */

  const METHODS = ["none", "top-k", "top-p", "min-p"];
  const ORDERS = ["transformers", "llama.cpp"];
  const isUnmasked = (x) => x !== -Infinity;
  const softmax = (z) => softmaxAt(z, 1);

  function keepTopK(z, k) {
    const sorted = z.slice().sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const kth = sorted[Math.min(Math.max(Math.round(k), 1), z.length) - 1];
    return z.map((x) => isUnmasked(x) && x >= kth);
  }

  function keepTopP(z, p) {
    if (p >= 1) return z.map(isUnmasked);
    const order = Array.from(z.keys());
    order.sort((a, b) => (z[a] < z[b] ? -1 : z[a] > z[b] ? 1 : 0)); // stable
    const probs = softmax(order.map((i) => z[i]));
    const keep = z.map(() => true);
    let tail = 0;
    order.forEach((i, j) => {
      tail += probs[j];
      // The most likely token always stays.
      if (tail <= 1 - p && j < order.length - 1) keep[i] = false;
    });
    return keep.map((k, i) => k && isUnmasked(z[i]));
  }

  function keepMinP(z, minP) {
    const probs = softmax(z);
    const top = Math.max(...probs);
    return z.map((x, i) => isUnmasked(x) && !(probs[i] < minP * top));
  }

  function keptTokens(z, method, param) {
    switch (method) {
      case "top-k": return keepTopK(z, param);
      case "top-p": return keepTopP(z, param);
      case "min-p": return keepMinP(z, param);
      default: return z.map(isUnmasked);
    }
  }

  /** The final distribution: {probs, before (softmax(u / T)), kept}. Logits use null for -inf. */
  function compute(logits, T, method, param, order) {
    const func = "truncation.compute";
    if (!METHODS.includes(method)) {
      throw badArgument(func, "method", `one of ${METHODS.join(", ")}`, method);
    }
    if (!ORDERS.includes(order)) {
      throw badArgument(func, "order", `one of ${ORDERS.join(", ")}`, order);
    }
    if (typeof T !== "number" || !(T > 0)) throw badArgument(func, "T", "a number > 0", T);
    const llama = order === "llama.cpp";
    const u = logits.map((x) => (x === null ? -Infinity : x));
    const z = llama ? u.slice() : u.map((x) => x / T);
    const kept = keptTokens(z, method, param);
    const last = z.map((x, i) => (kept[i] ? (llama ? x / T : x) : -Infinity));
    return { probs: softmax(last), before: temper(logits, T), kept };
  }

  const TRUNCATION_RULES = [
    ["logits", isLogits, LOGITS],
    LABELS_RULE,
    ["T", optional(isPositive), "a positive number"],
    ["method", oneOf(METHODS), `one of ${METHODS.join(", ")}`],
    ["order", oneOf(ORDERS), `one of ${ORDERS.join(", ")}`],
    ["params", (x) => x !== null && typeof x === "object"
      && METHODS.slice(1).every((m) => isNumber(x[m])),
    `an object with a number for each of ${METHODS.slice(1).join(", ")}`],
  ];

  /** A labelled <select> of `options`, set to `value`. */
  function menu(controls, name, aria, options, value) {
    const row = htmlEl("label", { class: "tw-control" }, controls);
    htmlEl("span", {}, row, `${name} `);
    const select = htmlEl("select", { "aria-label": aria }, row);
    for (const option of options) htmlEl("option", { value: option }, select, option);
    select.value = value;
    return select;
  }

  /** The controls: T, the rule, its parameter (a slider whose range follows the rule), order. */
  function truncationControls(root, spec) {
    const controls = controlsOf(root);
    const slider = temperatureSlider(controls, spec.T || 1);
    const method = menu(controls, "truncation", "truncation rule", METHODS, spec.method);
    const paramRow = htmlEl("label", { class: "tw-control" }, controls);
    const paramName = htmlEl("span", {}, paramRow, "");
    const param = htmlEl("input", { type: "range", "aria-label": "truncation parameter" },
      paramRow);
    const paramOut = htmlEl("output", {}, paramRow);
    const order = menu(controls, "order", "order of temperature and truncation", ORDERS,
      spec.order);
    return { slider, method, paramRow, paramName, param, paramOut, order };
  }

  /** The parameter slider of each rule: its name and range. */
  const PARAM_SLIDERS = {
    "top-k": (n) => ({ name: "k ", min: 1, max: n, step: 1 }),
    "top-p": () => ({ name: "p ", min: 0.01, max: 1, step: 0.01 }),
    "min-p": () => ({ name: "min-p ", min: 0, max: 1, step: 0.01 }),
  };

  function truncation(root, spec) {
    checkSpec("truncation", spec, TRUNCATION_RULES);
    const { logits } = spec;
    const n = logits.length;
    const params = { ...spec.params }; // the value of each rule's parameter, kept across rules
    const { title, svg } = figure(root, spec.alt || "bar chart");
    const ticks = makeAxes(svg, "token", "probability");
    const { scale } = LINEAR_P;
    drawYTicks(ticks, LINEAR_P.ticks, scale, LINEAR_P.label);
    const slot = (W - M.left - M.right) / n;
    const tokens = logits.map((u, i) => {
      const x = M.left + i * slot;
      const token = {
        x,
        rect: svgEl("rect", {
          x: x + slot * 0.22, width: Math.max(slot * 0.56, 1), y: BASE, height: 0, fill: COLORS[0],
        }, svg),
        outline: svgEl("path", {
          fill: "none", "stroke-width": 1.6, "stroke-dasharray": "5 3", class: "tw-outline",
        }, svg),
        cross: svgEl("text", {
          x: x + slot / 2, y: BASE + 5, "text-anchor": "middle", fill: COLORS[3],
          "font-size": 16, "font-weight": 700,
        }, svg),
      };
      tokenLabel(svg, x + slot / 2, 14, spec.labels ? spec.labels[i] : String(i));
      return token;
    });
    legend(root, [
      [COLORS[0], "█ final distribution   "],
      [null, "┆ softmax(u / T) before truncation (dashed)   "],
      [COLORS[3], "✕ removed: probability 0"],
    ]);
    const ui = truncationControls(root, spec);

    function setParamControl() {
      const m = ui.method.value;
      ui.paramRow.style.display = m === "none" ? "none" : "";
      // "none" hides the row; its range is min-p's.
      const { name, min, max, step } = (PARAM_SLIDERS[m] || PARAM_SLIDERS["min-p"])(n);
      Object.assign(ui.param, { min, max, step });
      ui.paramName.textContent = name;
      if (m !== "none") ui.param.value = params[m];
    }

    /** Moves a token's bar, its outline before truncation and its cross (shown if `gone`). */
    function drawToken({ x, rect, outline, cross }, q, before, gone) {
      setBar(rect, scale(q));
      const x0 = (x + slot * 0.11).toFixed(1);
      const x1 = (x + slot * 0.89).toFixed(1);
      outline.setAttribute("d", `M${x0},${BASE}V${scale(before).toFixed(1)}H${x1}V${BASE}`);
      outline.setAttribute("stroke", gone ? COLORS[3] : "currentColor");
      cross.textContent = gone ? "✕" : "";
    }

    function update() {
      const T = ui.slider.get();
      const m = ui.method.value;
      if (m !== "none") {
        params[m] = m === "top-k" ? parseInt(ui.param.value, 10) : parseFloat(ui.param.value);
      }
      const param = params[m];
      const res = compute(logits, T, m, param, ui.order.value);
      let kept = 0;
      let finite = 0;
      let removedMass = 0;
      res.probs.forEach((q, i) => {
        const gone = logits[i] !== null && !res.kept[i];
        drawToken(tokens[i], q, res.before[i], gone);
        if (logits[i] !== null) finite += 1;
        if (res.kept[i]) kept += 1;
        if (gone) removedMass += res.before[i];
      });
      const shown = m === "top-k" ? String(param) : m === "none" ? "" : param.toFixed(2);
      ui.slider.out.textContent = fmt(T);
      ui.paramOut.textContent = shown;
      title.textContent = `T = ${fmt(T)}, ${m === "none" ? "no truncation" : `${m} = ${shown}`}, `
        + `${ui.order.value} order:  kept ${kept} of ${finite}, `
        + `removed mass ${removedMass.toFixed(3)}`;
      root.setAttribute("data-state", res.probs.map((q) => q.toFixed(6)).join(","));
    }

    ui.method.addEventListener("change", () => {
      setParamControl();
      update();
    });
    ui.order.addEventListener("change", update);
    ui.param.addEventListener("input", update);
    ui.slider.input.addEventListener("input", update);
    setParamControl();
    update();
  }
  truncation.compute = compute; // the arithmetic alone, checked against Python by the tests

  /* ---- Start-up ----------------------------------------------------------------------------- */

  const KINDS = {
    bars,
    "flow-samples": flowSamples,
    "tour-replay": tourReplay,
    "two-logit": twoLogit,
    "smooth-max": smoothMax,
    truncation,
  };

  function parseSpec(kind, text) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`tempered-widgets: "${kind}" widget: data-spec is not valid JSON `
        + `(${error.message})`, { cause: error });
    }
  }

  /** Draws every widget not drawn yet; one that fails shows its error in place of the figure. */
  function init() {
    for (const root of document.querySelectorAll(".tempered-widget:not([data-ready])")) {
      const kind = root.getAttribute("data-kind");
      if (!Object.prototype.hasOwnProperty.call(KINDS, kind)) {
        // A kind may come from a later script (register); it is unknown once the page has loaded.
        if (document.readyState === "complete") root.textContent = `unknown widget kind: ${kind}`;
        continue;
      }
      root.setAttribute("data-ready", "1");
      try {
        KINDS[kind](root, parseSpec(kind, root.getAttribute("data-spec")));
      } catch (error) {
        root.textContent = error.message;
        console.error(error);
      }
    }
  }

  /** Adds a kind from another script (_static/tempered-widgets-*.js) and draws its widgets. */
  function register(kind, draw) {
    if (typeof kind !== "string" || typeof draw !== "function") {
      throw new TypeError(
        "TemperedWidgets.register(kind, draw): kind must be a string and draw a function");
    }
    KINDS[kind] = draw;
    if (document.readyState !== "loading") init();
  }

  // dom: the element builders, for the chapters' own scripts (tempered-widgets-*.js).
  window.TemperedWidgets = {
    init, register, temper, entropy, kinds: KINDS, dom: { svgEl, htmlEl },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.addEventListener("load", init); // reports the kinds that no script registered
})();
