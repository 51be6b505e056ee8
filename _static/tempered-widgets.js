/* Static twins of the course's widgets: explorable in the built book, no kernel, no CDN.
 *
 * A page holds <div class="tempered-widget" data-kind="..." data-spec="{json}">; this
 * script finds each one and draws an SVG figure with its controls. Tempering is exact
 * and cheap, so the browser re-computes softmax(u / T) from the logits embedded at
 * build time. Kinds: "bars" (a distribution at temperature T), "two-logit",
 * "smooth-max", "flow-samples" (pre-computed flow samples at a latent temperature). Every control updates the existing SVG elements in place.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var W = 640, H = 300, M = { left: 62, right: 16, top: 14, bottom: 70 };
  var COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(name, attrs, parent, text) {
    var node = document.createElement(name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function fmt(x) { return Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toPrecision(3); }

  /* softmax(u / T) with masked entries (null = -inf) at probability 0; subtracts the max. */
  function temper(logits, T) {
    var max = -Infinity;
    logits.forEach(function (u) { if (u !== null && u > max) max = u; });
    var w = logits.map(function (u) { return u === null ? 0 : Math.exp((u - max) / T); });
    var total = w.reduce(function (a, b) { return a + b; }, 0);
    return w.map(function (x) { return x / total; });
  }
  function entropy(p) {
    return p.reduce(function (h, x) { return x > 0 ? h - x * Math.log(x) : h; }, 0);
  }
  function logSumExp(u) {
    var max = Math.max.apply(null, u);
    return max + Math.log(u.reduce(function (s, x) { return s + Math.exp(x - max); }, 0));
  }

  /* Axes: a scale maps data to pixels; ticks are redrawn only when the scale changes. */
  function makeAxes(svg, xLabel, yLabel) {
    var ax = { svg: svg, ticks: el("g", { "class": "tw-ticks" }, svg) };
    el("line", { x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom, "class": "tw-axis" }, svg);
    el("line", { x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom, "class": "tw-axis" }, svg);
    el("text", { x: (M.left + W - M.right) / 2, y: H - 8, "class": "tw-label", "text-anchor": "middle" }, svg).textContent = xLabel;
    el("text", { x: 16, y: (M.top + H - M.bottom) / 2, "class": "tw-label", "text-anchor": "middle",
      transform: "rotate(-90 16 " + (M.top + H - M.bottom) / 2 + ")" }, svg).textContent = yLabel;
    return ax;
  }
  function yScale(lo, hi, log) {
    var a = log ? Math.log10(lo) : lo, b = log ? Math.log10(hi) : hi;
    return function (y) {
      var v = log ? Math.log10(Math.max(y, lo)) : y;
      return H - M.bottom - (v - a) / (b - a) * (H - M.top - M.bottom);
    };
  }
  function drawYTicks(ax, values, scale, label) {
    while (ax.ticks.firstChild) ax.ticks.removeChild(ax.ticks.firstChild);
    values.forEach(function (v) {
      var y = scale(v);
      el("line", { x1: M.left, x2: W - M.right, y1: y, y2: y, "class": "tw-grid" }, ax.ticks);
      el("text", { x: M.left - 6, y: y + 4, "class": "tw-tick", "text-anchor": "end" }, ax.ticks).textContent = label(v);
    });
  }

  function logSlider(parent, name, spec) {
    var row = html("label", { "class": "tw-control" }, parent);
    html("span", {}, row, name + " ");
    var input = html("input", { type: "range", min: 0, max: 1000, step: 1, "aria-label": spec.aria || name }, row);
    var out = html("output", {}, row);
    var a = Math.log10(spec.min), b = Math.log10(spec.max);
    input.value = Math.round((Math.log10(spec.value) - a) / (b - a) * 1000);
    return { input: input, out: out, get: function () { return Math.pow(10, a + (b - a) * input.value / 1000); } };
  }
  function linSlider(parent, name, spec) {
    var row = html("label", { "class": "tw-control" }, parent);
    html("span", {}, row, name + " ");
    var input = html("input", { type: "range", min: spec.min, max: spec.max, step: spec.step || 0.01, "aria-label": name }, row);
    input.value = spec.value;
    var out = html("output", {}, row);
    return { input: input, out: out, get: function () { return parseFloat(input.value); } };
  }

  /* A distribution at temperature T, optionally with the T -> 0 and T -> inf limits marked.
   * With spec.energies instead of spec.logits it is a Boltzmann distribution (logits = -E),
   * and the title shows the mean energy, the entropy and the free energy F = <E> - T H. */
  function bars(root, spec) {
    if (spec.energies) spec.logits = spec.energies.map(function (e) { return e === null ? null : -e; });
    var n = spec.logits.length;
    var labelEvery = spec.labelEvery || Math.max(1, Math.ceil(n / 24));
    var title = html("div", { "class": "tw-title" }, root);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.alt || "bar chart" }, root);
    var ax = makeAxes(svg, spec.xlabel || "token", spec.ylabel || "probability");
    var slot = (W - M.left - M.right) / n;
    var rects = [], zeroDots = [], infDots = [];
    var finite = spec.logits.filter(function (u) { return u !== null; }).length;
    var max = Math.max.apply(null, spec.logits.filter(function (u) { return u !== null; }));
    var ties = spec.logits.filter(function (u) { return u === max; }).length;
    spec.logits.forEach(function (u, i) {
      var x = M.left + i * slot;
      rects.push(el("rect", { x: x + slot * 0.15, width: Math.max(slot * 0.7, 1), y: H - M.bottom, height: 0, fill: COLORS[0] }, svg));
      var t = el("text", { "class": "tw-tick", "text-anchor": "end",
        transform: "translate(" + (x + slot / 2) + "," + (H - M.bottom + 12) + ") rotate(-40)" }, svg);
      t.textContent = i % labelEvery ? "" : (spec.labels ? spec.labels[i] : String(i));
      if (spec.limits) {
        zeroDots.push(el("circle", { cx: x + slot / 2, r: 4.5, fill: COLORS[3], "class": "tw-ref" }, svg));
        infDots.push(el("rect", { x: x + slot * 0.1, width: slot * 0.8, height: 2.5, fill: COLORS[2], "class": "tw-ref" }, svg));
      }
    });
    if (spec.limits) {
      var legend = html("div", { "class": "tw-legend" }, root);
      html("span", { style: "color:" + COLORS[3] }, legend, "● T → 0 limit (uniform over the " + ties + " maximal logits)   ");
      html("span", { style: "color:" + COLORS[2] }, legend, "▬ T → ∞ limit (uniform over the " + finite + " unmasked tokens)");
    }
    var controls = html("div", { "class": "tw-controls" }, root);
    var slider = logSlider(controls, "T", { min: spec.tmin || 0.01, max: spec.tmax || 100, value: spec.T || 1, aria: "temperature" });
    var log = false, scale;
    var toggle = html("button", { type: "button", "class": "tw-button", "aria-pressed": "false" }, controls, "log y axis");
    function setScale() {
      scale = log ? yScale(1e-6, 1.5, true) : yScale(0, 1.02, false);
      drawYTicks(ax, log ? [1e-6, 1e-4, 1e-2, 1] : [0, 0.2, 0.4, 0.6, 0.8, 1.0], scale,
        function (v) { return log ? "1e" + Math.round(Math.log10(v)) : v.toFixed(1); });
      spec.logits.forEach(function (u, i) {
        if (!spec.limits) return;
        zeroDots[i].setAttribute("cy", scale(u === max ? 1 / ties : (log ? 1e-6 : 0)));
        zeroDots[i].setAttribute("visibility", u === max || !log ? "visible" : "hidden");
        infDots[i].setAttribute("y", scale(u === null ? (log ? 1e-6 : 0) : 1 / finite) - 1);
      });
    }
    function update() {
      var T = slider.get(), p = temper(spec.logits, T), h = entropy(p);
      p.forEach(function (q, i) {
        var y = scale(q);
        rects[i].setAttribute("y", Math.min(y, H - M.bottom));
        rects[i].setAttribute("height", Math.max(0, H - M.bottom - y));
      });
      slider.out.textContent = fmt(T);
      if (spec.energies) {
        var meanE = p.reduce(function (s, q, i) { return q > 0 ? s + q * spec.energies[i] : s; }, 0);
        title.textContent = "T = " + fmt(T) + ":  ⟨E⟩ = " + meanE.toFixed(3) + ",  H = " + h.toFixed(3) +
          " nats,  F = ⟨E⟩ − T·H = " + (meanE - T * h).toFixed(3);
      } else {
        title.textContent = "T = " + fmt(T) + ":  entropy H = " + h.toFixed(3) + " nats (max " + Math.log(finite).toFixed(3) + ")";
      }
      root.setAttribute("data-state", p.map(function (q) { return q.toFixed(6); }).join(","));
    }
    toggle.addEventListener("click", function () {
      log = !log; toggle.setAttribute("aria-pressed", String(log)); setScale(); update();
    });
    slider.input.addEventListener("input", update);
    setScale(); update();
  }

  /* A curve y = f(x; params) with a marker, for the two-logit and smooth-max widgets. */
  function curve(root, spec, model) {
    var title = html("div", { "class": "tw-title" }, root);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.alt || "line chart" }, root);
    var ax = makeAxes(svg, model.xlabel, model.ylabel);
    var xs = [], steps = 200;
    for (var k = 0; k <= steps; k++) xs.push(spec.xmin + (spec.xmax - spec.xmin) * k / steps);
    var sx = function (x) { return M.left + (x - spec.xmin) / (spec.xmax - spec.xmin) * (W - M.left - M.right); };
    var sy = yScale(spec.ymin, spec.ymax, false);
    var ticks = [];
    for (var t = 0; t <= 4; t++) ticks.push(spec.ymin + (spec.ymax - spec.ymin) * t / 4);
    drawYTicks(ax, ticks, sy, function (v) { return v.toFixed(2); });
    [spec.xmin, (spec.xmin + spec.xmax) / 2, spec.xmax].forEach(function (x) {
      el("text", { x: sx(x), y: H - M.bottom + 16, "class": "tw-tick", "text-anchor": "middle" }, svg).textContent = fmt(x);
    });
    var paths = model.series.map(function (s, i) {
      return el("path", { fill: "none", stroke: COLORS[i], "stroke-width": 2.5, "stroke-dasharray": s.dash || "" }, svg);
    });
    var marker = el("circle", { r: 6, fill: COLORS[3] }, svg);
    var legend = html("div", { "class": "tw-legend" }, root);
    model.series.forEach(function (s, i) { html("span", { style: "color:" + COLORS[i] }, legend, "━ " + s.name + "   "); });
    var controls = html("div", { "class": "tw-controls" }, root);
    var sliders = model.sliders(controls);
    function update() {
      var params = {};
      for (var key in sliders) { params[key] = sliders[key].get(); sliders[key].out.textContent = fmt(params[key]); }
      model.series.forEach(function (s, i) {
        paths[i].setAttribute("d", xs.map(function (x, j) {
          var y = Math.min(Math.max(s.f(x, params), spec.ymin - 1), spec.ymax + 1);
          return (j ? "L" : "M") + sx(x).toFixed(1) + "," + sy(y).toFixed(1);
        }).join(""));
      });
      var mx = model.markerX(params);
      marker.setAttribute("cx", sx(mx));
      marker.setAttribute("cy", sy(model.series[0].f(mx, params)));
      title.textContent = model.title(params);
      root.setAttribute("data-state", model.title(params));
    }
    for (var key in sliders) sliders[key].input.addEventListener("input", update);
    update();
  }

  /* A recorded annealing run of a tour: cities and the tour at a step, lengths against step. */
  function tourReplay(root, spec) {
    var title = html("div", { "class": "tw-title" }, root);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.alt || "annealing replay" }, root);
    var cities = spec.cities, R = spec.steps.length;
    var xs = cities.map(function (c) { return c[0]; }), ys = cities.map(function (c) { return c[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var side = H - M.top - 20, scale = side / Math.max(x1 - x0, y1 - y0);
    var cx = function (x) { return 12 + (x - x0) * scale; }, cy = function (y) { return M.top + side - (y - y0) * scale; };
    var tour = el("polyline", { fill: "none", stroke: COLORS[0], "stroke-width": 2 }, svg);
    cities.forEach(function (c) { el("circle", { cx: cx(c[0]), cy: cy(c[1]), r: 3.5, "class": "tw-city" }, svg); });
    var left = 12 + side + 70, right = W - M.right, top = M.top, bottom = H - M.bottom + 20;
    var all = spec.lengths.concat(spec.best, spec.optimum ? [spec.optimum] : []);
    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all), last = spec.steps[R - 1] || 1;
    var px = function (s) { return left + s / last * (right - left); }, py = function (v) { return bottom - (v - lo) / (hi - lo || 1) * (bottom - top); };
    el("line", { x1: left, y1: bottom, x2: right, y2: bottom, "class": "tw-axis" }, svg);
    el("line", { x1: left, y1: top, x2: left, y2: bottom, "class": "tw-axis" }, svg);
    el("text", { x: (left + right) / 2, y: H - 8, "class": "tw-label", "text-anchor": "middle" }, svg).textContent = "step";
    el("text", { x: left - 40, y: (top + bottom) / 2, "class": "tw-label", "text-anchor": "middle",
      transform: "rotate(-90 " + (left - 40) + " " + (top + bottom) / 2 + ")" }, svg).textContent = "tour length";
    [lo, hi].forEach(function (v) { el("text", { x: left - 4, y: py(v) + 4, "class": "tw-tick", "text-anchor": "end" }, svg).textContent = v.toFixed(2); });
    var path = function (values) { return values.map(function (v, i) { return (i ? "L" : "M") + px(spec.steps[i]).toFixed(1) + "," + py(v).toFixed(1); }).join(""); };
    el("path", { d: path(spec.lengths), fill: "none", stroke: COLORS[0], "stroke-width": 1 }, svg);
    el("path", { d: path(spec.best), fill: "none", stroke: COLORS[1], "stroke-width": 2.5 }, svg);
    if (spec.optimum) el("line", { x1: left, x2: right, y1: py(spec.optimum), y2: py(spec.optimum), stroke: COLORS[2], "stroke-dasharray": "6 4" }, svg);
    var marker = el("line", { y1: top, y2: bottom, stroke: COLORS[3], "stroke-width": 1.5 }, svg);
    var legend = html("div", { "class": "tw-legend" }, root);
    html("span", { style: "color:" + COLORS[0] }, legend, "━ current length   ");
    html("span", { style: "color:" + COLORS[1] }, legend, "━ best so far   ");
    if (spec.optimum) html("span", { style: "color:" + COLORS[2] }, legend, "╌ optimum");
    var controls = html("div", { "class": "tw-controls" }, root);
    var slider = linSlider(controls, "record", { min: 0, max: R - 1, step: 1, value: 0 });
    function update() {
      var k = Math.round(slider.get()), order = spec.tours[k].concat([spec.tours[k][0]]);
      tour.setAttribute("points", order.map(function (i) { return cx(cities[i][0]).toFixed(1) + "," + cy(cities[i][1]).toFixed(1); }).join(" "));
      marker.setAttribute("x1", px(spec.steps[k])); marker.setAttribute("x2", px(spec.steps[k]));
      slider.out.textContent = "step " + spec.steps[k];
      title.textContent = "step " + spec.steps[k] + ", T = " + fmt(spec.temperatures[k]) + ":  length " +
        spec.lengths[k].toFixed(3) + ", best " + spec.best[k].toFixed(3);
      root.setAttribute("data-state", String(k));
    }
    slider.input.addEventListener("input", update);
    update();
  }

  /* Samples of 2-D flows at a latent temperature tau (chapter 8): the samples f(tau * eps) were
   * computed at build time for each tau in spec.taus (spec.frames[k][panel] = [[x, y], ...]);
   * the slider shows the frame at the nearest tau. One square panel per flow. */
  function flowSamples(root, spec) {
    var title = html("div", { "class": "tw-title" }, root);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.alt || "flow samples" }, root);
    var P = spec.names.length, gap = 46, sx = spec.xlim, sy = spec.ylim, span = Math.max(sx[1] - sx[0], sy[1] - sy[0]);
    // side: pixels per `span` data units, the largest that fits both ways (equal scales on x and y)
    var side = Math.min((H - M.top - 44) * span / (sy[1] - sy[0]), (W - 20 - gap * P) / P * span / (sx[1] - sx[0]));
    var bw = (sx[1] - sx[0]) / span * side, bh = (sy[1] - sy[0]) / span * side;
    var inside = function (pt) { return pt[0] >= sx[0] && pt[0] <= sx[1] && pt[1] >= sy[0] && pt[1] <= sy[1]; };
    var groups = spec.names.map(function (name, p) {
      var left = gap + p * (bw + gap), top = M.top;
      var px = function (x) { return left + (x - sx[0]) / span * side; };
      var py = function (y) { return top + (sy[1] - y) / span * side; };
      el("rect", { x: left, y: top, width: bw, height: bh, fill: "none", "class": "tw-axis" }, svg);
      el("text", { x: left + bw / 2, y: top + bh + 34, "class": "tw-label", "text-anchor": "middle" }, svg).textContent = name;
      [sx[0], sx[1]].forEach(function (x) { el("text", { x: px(x), y: top + bh + 16, "class": "tw-tick", "text-anchor": "middle" }, svg).textContent = fmt(x); });
      [sy[0], sy[1]].forEach(function (y) { el("text", { x: left - 4, y: py(y) + 4, "class": "tw-tick", "text-anchor": "end" }, svg).textContent = fmt(y); });
      var g = el("g", { fill: COLORS[p % COLORS.length], "fill-opacity": 0.5 }, svg);
      var dots = spec.frames[0][p].map(function () { return el("circle", { r: 1.6 }, g); });
      return { px: px, py: py, dots: dots };
    });
    var controls = html("div", { "class": "tw-controls" }, root);
    var taus = spec.taus;
    var slider = linSlider(controls, "τ", { min: taus[0], max: taus[taus.length - 1], step: 0.01, value: spec.tau === undefined ? 1 : spec.tau });
    function update() {
      var t = slider.get(), k = 0;
      taus.forEach(function (v, i) { if (Math.abs(v - t) < Math.abs(taus[k] - t)) k = i; });
      groups.forEach(function (grp, p) {
        spec.frames[k][p].forEach(function (pt, i) {
          grp.dots[i].setAttribute("cx", grp.px(pt[0]).toFixed(1));
          grp.dots[i].setAttribute("cy", grp.py(pt[1]).toFixed(1));
          grp.dots[i].setAttribute("visibility", inside(pt) ? "visible" : "hidden");
        });
      });
      slider.out.textContent = taus[k].toFixed(2);
      title.textContent = "latent std × τ, τ = " + taus[k].toFixed(2) + "  (samples p_z^(1/T) with T = τ² = " + (taus[k] * taus[k]).toFixed(2) + ")";
      root.setAttribute("data-state", String(k));
    }
    slider.input.addEventListener("input", update);
    update();
  }

  var KINDS = {
    bars: bars,
    "flow-samples": flowSamples,
    "tour-replay": tourReplay,
    "two-logit": function (root, spec) {
      var sigma = function (z) { return 1 / (1 + Math.exp(-z)); };
      curve(root, spec, {
        xlabel: "logit difference d = u₁ − u₂", ylabel: "p₁ = s(d / T)",
        series: [{ name: "p₁ at the chosen T", f: function (d, q) { return sigma(d / q.T); } },
                 { name: "T = 1 (the model)", f: function (d) { return sigma(d); }, dash: "6 4" }],
        sliders: function (c) {
          return { T: logSlider(c, "T", { min: 0.01, max: 100, value: spec.T || 1, aria: "temperature" }),
                   d: linSlider(c, "d", { min: spec.xmin, max: spec.xmax, value: spec.d || 1 }) };
        },
        markerX: function (q) { return q.d; },
        title: function (q) { var p = sigma(q.d / q.T); return "d = " + fmt(q.d) + ", T = " + fmt(q.T) + ":  p₁ = " + p.toFixed(4) + ",  p₂ = " + (1 - p).toFixed(4); },
      });
    },
    "smooth-max": function (root, spec) {
      var others = spec.others;
      var lse = function (x, q) { var u = [x].concat(others); return q.T * logSumExp(u.map(function (v) { return v / q.T; })); };
      var top = function (x) { return Math.max.apply(null, [x].concat(others)); };
      curve(root, spec, {
        xlabel: "the varied logit x", ylabel: "value",
        series: [{ name: "T · LSE(u / T)", f: lse },
                 { name: "max(u)", f: top, dash: "6 4" },
                 { name: "max(u) + T log n", f: function (x, q) { return top(x) + q.T * Math.log(others.length + 1); }, dash: "2 3" }],
        sliders: function (c) { return { T: logSlider(c, "T", { min: 0.01, max: 100, value: spec.T || 1, aria: "temperature" }) }; },
        markerX: function () { return spec.x === undefined ? 0 : spec.x; },
        title: function (q) { var x = spec.x === undefined ? 0 : spec.x; return "T = " + fmt(q.T) + ":  at x = " + fmt(x) + ", T·LSE = " + lse(x, q).toFixed(3) + ", max = " + top(x).toFixed(3); },
      });
    },
    /* Temperature next to truncation (chapter 7): the same rules as tempered.truncation, so the
     * browser and Python keep the same tokens, ties included. Top-k keeps logits >= the k-th largest;
     * top-p sorts ascending (stable: among equal logits the later index ranks higher) and removes a
     * token while the running sum up to it is <= 1 - p; min-p removes p_i < min_p * p_max.
     * "transformers" order divides by T first; "llama.cpp" order truncates first and divides by T last. */
    truncation: (function () {
      var METHODS = ["none", "top-k", "top-p", "min-p"], ORDERS = ["transformers", "llama.cpp"];
      function softmax(z) {
        var max = -Infinity;
        z.forEach(function (x) { if (x > max) max = x; });
        var w = z.map(function (x) { return x === -Infinity ? 0 : Math.exp(x - max); });
        var total = w.reduce(function (a, b) { return a + b; }, 0);
        return w.map(function (x) { return x / total; });
      }
      function keepTopK(z, k) {
        var sorted = z.slice().sort(function (a, b) { return a > b ? -1 : a < b ? 1 : 0; });
        var kth = sorted[Math.min(Math.max(Math.round(k), 1), z.length) - 1];
        return z.map(function (x) { return x !== -Infinity && x >= kth; });
      }
      function keepTopP(z, p) {
        if (p >= 1) return z.map(function (x) { return x !== -Infinity; });
        var order = z.map(function (x, i) { return i; });
        order.sort(function (a, b) { return z[a] < z[b] ? -1 : z[a] > z[b] ? 1 : 0; });  // stable
        var probs = softmax(order.map(function (i) { return z[i]; }));
        var keep = z.map(function () { return true; }), tail = 0;
        order.forEach(function (i, j) {
          tail += probs[j];
          if (tail <= 1 - p && j < order.length - 1) keep[i] = false;
        });
        return keep.map(function (k, i) { return k && z[i] !== -Infinity; });
      }
      function keepMinP(z, minP) {
        var probs = softmax(z), top = Math.max.apply(null, probs);
        return z.map(function (x, i) { return x !== -Infinity && !(probs[i] < minP * top); });
      }
      /* The final distribution: {probs, before (softmax(u / T)), kept}. Logits use null for -inf. */
      function compute(logits, T, method, param, order) {
        var u = logits.map(function (x) { return x === null ? -Infinity : x; });
        var z = order === "llama.cpp" ? u.slice() : u.map(function (x) { return x / T; });
        var kept = method === "top-k" ? keepTopK(z, param) : method === "top-p" ? keepTopP(z, param)
          : method === "min-p" ? keepMinP(z, param) : z.map(function (x) { return x !== -Infinity; });
        var last = z.map(function (x, i) { return kept[i] ? (order === "llama.cpp" ? x / T : x) : -Infinity; });
        return { probs: softmax(last), before: temper(logits, T), kept: kept };
      }
      function widget(root, spec) {
        var n = spec.logits.length, params = {};
        for (var key in spec.params) params[key] = spec.params[key];
        var title = html("div", { "class": "tw-title" }, root);
        var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": spec.alt || "bar chart" }, root);
        var ax = makeAxes(svg, "token", "probability");
        var scale = yScale(0, 1.02, false);
        drawYTicks(ax, [0, 0.2, 0.4, 0.6, 0.8, 1.0], scale, function (v) { return v.toFixed(1); });
        var slot = (W - M.left - M.right) / n, outlines = [], rects = [], crosses = [];
        spec.logits.forEach(function (u, i) {
          var x = M.left + i * slot;
          rects.push(el("rect", { x: x + slot * 0.22, width: Math.max(slot * 0.56, 1), y: H - M.bottom, height: 0, fill: COLORS[0] }, svg));
          outlines.push(el("path", { fill: "none", "stroke-width": 1.6, "stroke-dasharray": "5 3", "class": "tw-outline" }, svg));
          crosses.push(el("text", { x: x + slot / 2, y: H - M.bottom + 5, "text-anchor": "middle", fill: COLORS[3],
            "font-size": 16, "font-weight": 700 }, svg));
          var t = el("text", { "class": "tw-tick", "text-anchor": "end",
            transform: "translate(" + (x + slot / 2) + "," + (H - M.bottom + 14) + ") rotate(-40)" }, svg);
          t.textContent = spec.labels ? spec.labels[i] : String(i);
        });
        var legend = html("div", { "class": "tw-legend" }, root);
        html("span", { style: "color:" + COLORS[0] }, legend, "█ final distribution   ");
        html("span", {}, legend, "┆ softmax(u / T) before truncation (dashed)   ");
        html("span", { style: "color:" + COLORS[3] }, legend, "✕ removed: probability 0");
        var controls = html("div", { "class": "tw-controls" }, root);
        var slider = logSlider(controls, "T", { min: 0.01, max: 100, value: spec.T || 1, aria: "temperature" });
        var methodRow = html("label", { "class": "tw-control" }, controls);
        html("span", {}, methodRow, "truncation ");
        var menu = html("select", { "aria-label": "truncation rule" }, methodRow);
        METHODS.forEach(function (m) { html("option", { value: m }, menu, m); });
        menu.value = spec.method;
        var paramRow = html("label", { "class": "tw-control" }, controls);
        var paramName = html("span", {}, paramRow, "");
        var paramInput = html("input", { type: "range", "aria-label": "truncation parameter" }, paramRow);
        var paramOut = html("output", {}, paramRow);
        var orderRow = html("label", { "class": "tw-control" }, controls);
        html("span", {}, orderRow, "order ");
        var orderMenu = html("select", { "aria-label": "order of temperature and truncation" }, orderRow);
        ORDERS.forEach(function (o) { html("option", { value: o }, orderMenu, o); });
        orderMenu.value = spec.order;
        function setParamControl() {
          var m = menu.value;
          paramRow.style.display = m === "none" ? "none" : "";
          if (m === "top-k") { paramInput.min = 1; paramInput.max = n; paramInput.step = 1; }
          else if (m === "top-p") { paramInput.min = 0.01; paramInput.max = 1; paramInput.step = 0.01; }
          else { paramInput.min = 0; paramInput.max = 1; paramInput.step = 0.01; }
          paramName.textContent = m === "top-k" ? "k " : m === "top-p" ? "p " : "min-p ";
          if (m !== "none") paramInput.value = params[m];
        }
        function update() {
          var T = slider.get(), m = menu.value;
          if (m !== "none") params[m] = m === "top-k" ? parseInt(paramInput.value, 10) : parseFloat(paramInput.value);
          var param = params[m], res = compute(spec.logits, T, m, param, orderMenu.value);
          var kept = 0, finite = 0, removedMass = 0;
          res.probs.forEach(function (q, i) {
            var y = scale(q), yb = scale(res.before[i]), x = M.left + i * slot;
            var gone = spec.logits[i] !== null && !res.kept[i];
            rects[i].setAttribute("y", Math.min(y, H - M.bottom));
            rects[i].setAttribute("height", Math.max(0, H - M.bottom - y));
            outlines[i].setAttribute("d", "M" + (x + slot * 0.11).toFixed(1) + "," + (H - M.bottom) + "V" + yb.toFixed(1) +
              "H" + (x + slot * 0.89).toFixed(1) + "V" + (H - M.bottom));
            outlines[i].setAttribute("stroke", gone ? COLORS[3] : "currentColor");
            crosses[i].textContent = gone ? "✕" : "";
            if (spec.logits[i] !== null) finite += 1;
            if (res.kept[i]) kept += 1;
            if (gone) removedMass += res.before[i];
          });
          slider.out.textContent = fmt(T);
          paramOut.textContent = m === "none" ? "" : m === "top-k" ? String(param) : param.toFixed(2);
          title.textContent = "T = " + fmt(T) + ", " + (m === "none" ? "no truncation" : m + " = " + (m === "top-k" ? param : param.toFixed(2))) +
            ", " + orderMenu.value + " order:  kept " + kept + " of " + finite + ", removed mass " + removedMass.toFixed(3);
          root.setAttribute("data-state", res.probs.map(function (q) { return q.toFixed(6); }).join(","));
        }
        menu.addEventListener("change", function () { setParamControl(); update(); });
        orderMenu.addEventListener("change", update);
        paramInput.addEventListener("input", update);
        slider.input.addEventListener("input", update);
        setParamControl(); update();
      }
      widget.compute = compute;
      return widget;
    })(),
  };

  function init() {
    var nodes = document.querySelectorAll(".tempered-widget:not([data-ready])");
    Array.prototype.forEach.call(nodes, function (root) {
      var kind = KINDS[root.getAttribute("data-kind")];
      if (!kind) { root.textContent = "unknown widget kind: " + root.getAttribute("data-kind"); return; }
      root.setAttribute("data-ready", "1");
      kind(root, JSON.parse(root.getAttribute("data-spec")));
    });
  }
  window.TemperedWidgets = { init: init, temper: temper, entropy: entropy, kinds: KINDS };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
