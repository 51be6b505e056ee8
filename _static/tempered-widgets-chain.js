/* Static twin of the sampler-chain widget (chapter 8): tempered.widgets.chain.
 *
 * Registers the kind "chain" with TemperedWidgets.register. The spec holds the logits, the
 * labels, the initial chain [[name, parameter], ...], the default parameter of each step and
 * the largest number of steps. The reader adds, removes and reorders steps; one small bar
 * chart per stage shows softmax(u) and the distribution after each step. Each step is the rule
 * of tempered.samplers (Python), written again here; the book's tests compare the two.
 */
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const PW = 150; // one panel
  const PH = 240;
  const PAD = { left: 34, top: 30, bottom: 64 };
  const BLUE = "#0072B2";

  /** The shared script's element builders (TemperedWidgets.dom), by namespace. */
  function el(ns, tag, attrs, parent, text) {
    const { svgEl, htmlEl } = window.TemperedWidgets.dom;
    return (ns === SVG_NS ? svgEl : htmlEl)(tag, attrs, parent, text);
  }

  /* ---- the steps: logits in (null = removed), logits out ---------------------------------- */

  function probs(z) {
    const max = Math.max(...z.filter((v) => v !== null));
    const w = z.map((v) => (v === null ? 0 : Math.exp(v - max)));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / total);
  }

  function entropyOf(p) {
    return p.reduce((s, q) => (q > 0 ? s - q * Math.log(q) : s), 0);
  }

  function keepWhere(z, keep) {
    return z.map((v, i) => (v !== null && keep[i] ? v : null));
  }

  function topMax(z) {
    return Math.max(...z.filter((v) => v !== null));
  }

  function greedy(z) {
    const max = topMax(z);
    return z.map((v) => (v === max ? 0 : null));
  }

  const STEPS = {
    temperature(z, x) {
      if (!(x > 0)) return greedy(z);
      return z.map((v) => (v === null ? null : v / x));
    },
    "top-k"(z, x) {
      const live = z.filter((v) => v !== null).sort((a, b) => b - a);
      const k = Math.min(Math.max(1, Math.round(x)), live.length);
      return keepWhere(z, z.map((v) => v !== null && v >= live[k - 1]));
    },
    "top-p"(z, x) {
      if (x >= 1) return z.slice();
      const p = probs(z);
      // ascending by logit, ties by index (the later index ranks higher), as in chapter 7
      const order = z.map((v, i) => i).filter((i) => z[i] !== null)
        .sort((a, b) => z[a] - z[b] || a - b);
      const keep = z.map(() => false);
      let tail = 0;
      order.forEach((i, r) => {
        tail += p[i];
        keep[i] = !(tail <= 1 - x) || r === order.length - 1;
      });
      return keepWhere(z, keep);
    },
    "min-p"(z, x) {
      const p = probs(z);
      const top = Math.max(...p);
      return keepWhere(z, p.map((q) => !(q < x * top)));
    },
    "top-n-sigma"(z, x) {
      const live = z.filter((v) => v !== null);
      const mean = live.reduce((a, b) => a + b, 0) / live.length;
      const sd = Math.sqrt(live.reduce((a, v) => a + (v - mean) ** 2, 0) / live.length);
      const max = topMax(z);
      return keepWhere(z, z.map((v) => v !== null && v >= max - x * sd));
    },
    epsilon(z, x) {
      const p = probs(z);
      const max = topMax(z);
      return keepWhere(z, p.map((q, i) => q >= x || z[i] >= max));
    },
    eta(z, x) {
      const p = probs(z);
      const eta = Math.min(x, Math.sqrt(x) * Math.exp(-entropyOf(p)));
      const max = topMax(z);
      return keepWhere(z, p.map((q, i) => q >= eta || z[i] >= max));
    },
    dynatemp(z, x) {
      const m = z.filter((v) => v !== null).length;
      if (x === 0 || m <= 1) return z.slice();
      const lo = Math.max(0, 1 - x);
      const h = Math.min(1, entropyOf(probs(z)) / Math.log(m));
      return STEPS.temperature(z, lo + (1 + x - lo) * h);
    },
    xtc(z, x) {
      if (x > 0.5) return z.slice();
      const p = probs(z);
      const above = p.filter((q) => q >= x);
      if (above.length < 2) return z.slice();
      const lowest = Math.min(...above);
      return keepWhere(z, p.map((q) => !(q >= x && q > lowest)));
    },
  };

  /** Each step's parameter range for its slider (0 to 1000): [low, high, log scale]. */
  const RANGES = {
    temperature: [0.05, 20, true],
    "top-k": [1, 50, false],
    "top-p": [0.01, 1, false],
    "min-p": [0, 1, false],
    "top-n-sigma": [0, 5, false],
    epsilon: [0, 0.5, false],
    eta: [0, 0.5, false],
    dynatemp: [0, 2, false],
    xtc: [0, 0.5, false],
  };

  function toSlider(name, x) {
    const [lo, hi, log] = RANGES[name];
    const f = log ? Math.log(x / lo) / Math.log(hi / lo) : (x - lo) / (hi - lo);
    return Math.round(1000 * Math.min(1, Math.max(0, f)));
  }

  function fromSlider(name, v) {
    const [lo, hi, log] = RANGES[name];
    const f = v / 1000;
    const x = log ? lo * (hi / lo) ** f : lo + f * (hi - lo);
    return name === "top-k" ? Math.round(x) : Number(x.toPrecision(3));
  }

  /** Distributions before and after each step of the chain. */
  function runChain(logits, steps) {
    let z = logits.slice();
    const out = [probs(z)];
    for (const [name, x] of steps) {
      z = STEPS[name](z, x);
      out.push(probs(z));
    }
    return out;
  }

  /* ---- the figure and its controls -------------------------------------------------------- */

  function chain(root, spec) {
    const { logits, labels, defaults } = spec;
    if (!Array.isArray(logits) || !logits.some((v) => v !== null)) {
      throw new Error("chain widget: spec.logits must hold at least one number");
    }
    const maxSteps = spec.maxSteps || 4;
    let steps = spec.steps.map(([name, x]) => [name, Number(x)]);
    const n = logits.length;
    const width = PAD.left + (maxSteps + 1) * PW;
    const svg = el(SVG_NS, "svg", {
      viewBox: `0 0 ${width} ${PH}`, role: "img", "aria-label": spec.alt, class: "tw-figure",
    }, root);
    const slot = (PW - 14) / n;
    const scale = (q) => PH - PAD.bottom - q * (PH - PAD.bottom - PAD.top);
    const panels = [];
    for (let s = 0; s <= maxSteps; s += 1) {
      const x0 = PAD.left + s * PW;
      const g = el(SVG_NS, "g", {}, svg);
      el(SVG_NS, "line", {
        x1: x0, x2: x0 + PW - 10, y1: scale(0), y2: scale(0), stroke: "currentColor",
      }, g);
      const title = el(SVG_NS, "text", {
        x: x0 + (PW - 10) / 2, y: 16, "text-anchor": "middle", "font-size": 12,
        fill: "currentColor",
      }, g, "");
      const rects = logits.map((v, i) => {
        el(SVG_NS, "text", {
          x: x0 + (i + 0.5) * slot, y: scale(0) + 8, "font-size": 11, fill: "currentColor",
          transform: `rotate(60 ${x0 + (i + 0.5) * slot} ${scale(0) + 8})`,
        }, g, labels[i]);
        return el(SVG_NS, "rect", {
          x: x0 + i * slot + slot * 0.15, width: slot * 0.7, y: scale(0), height: 0, fill: BLUE,
        }, g);
      });
      panels.push({ title, rects });
    }
    el(SVG_NS, "text", {
      x: 12, y: PH / 2, transform: `rotate(-90 12 ${PH / 2})`, "text-anchor": "middle",
      "font-size": 11, fill: "currentColor",
    }, svg, "probability");

    const controls = el(null, "div", { class: "tw-controls" }, root);
    const menu = el(null, "select", { "aria-label": "step to add" }, controls);
    for (const name of Object.keys(defaults)) el(null, "option", { value: name }, menu, name);
    const param = el(null, "input", {
      type: "number", step: "any", value: defaults[menu.value], "aria-label": "parameter",
    }, controls);
    const add = el(null, "button", { type: "button", class: "tw-button" }, controls, "add step");
    const list = el(null, "ol", { class: "tw-chain" }, root);

    function redraw() {
      const dists = runChain(logits, steps);
      panels.forEach(({ title, rects }, s) => {
        const p = s < dists.length ? dists[s] : logits.map(() => 0);
        rects.forEach((rect, i) => {
          rect.setAttribute("y", scale(p[i]));
          rect.setAttribute("height", scale(0) - scale(p[i]));
        });
        if (s === 0) title.textContent = "model: softmax(u)";
        else if (s <= steps.length) {
          const kept = p.filter((q) => q > 0).length;
          title.textContent = `${s}. ${steps[s - 1][0]} ${steps[s - 1][1]} (${kept} kept)`;
        } else title.textContent = "(no step)";
      });
      root.setAttribute("data-state", dists[dists.length - 1].map((q) => q.toFixed(6)).join(","));
    }

    function draw() {
      redraw();
      list.replaceChildren();
      steps.forEach(([name, x], i) => {
        const item = el(null, "li", {}, list, `${name} `);
        const slider = el(null, "input", {
          type: "range", min: 0, max: 1000, step: 1, value: toSlider(name, x),
          "aria-label": `parameter of step ${i + 1}, ${name}`,
        }, item);
        const out = el(null, "output", {}, item, ` ${x} `);
        slider.addEventListener("input", () => {
          steps[i] = [name, fromSlider(name, Number(slider.value))];
          out.textContent = ` ${steps[i][1]} `;
          redraw();
        });
        const buttons = [["↑", "move up", -1], ["↓", "move down", 1], ["✕", "remove", 0]];
        for (const [label, what, shift] of buttons) {
          const b = el(null, "button", {
            type: "button", class: "tw-button", "aria-label": `${what}: ${name}`,
          }, item, label);
          b.addEventListener("click", () => {
            if (shift === 0) steps.splice(i, 1);
            else if (i + shift >= 0 && i + shift < steps.length) {
              [steps[i], steps[i + shift]] = [steps[i + shift], steps[i]];
            }
            draw();
          });
        }
      });
      add.disabled = steps.length >= maxSteps;
    }

    menu.addEventListener("change", () => { param.value = defaults[menu.value]; });
    add.addEventListener("click", () => {
      const x = Number(param.value);
      if (!Number.isFinite(x) || x < 0) {
        param.setCustomValidity("chain widget: the parameter must be a number >= 0");
        param.reportValidity();
        return;
      }
      param.setCustomValidity("");
      if (steps.length < maxSteps) steps = steps.concat([[menu.value, x]]);
      draw();
    });
    draw();
  }

  chain.runChain = runChain; // for the tests, which run the arithmetic under Node.js

  function go() {
    window.TemperedWidgets.register("chain", chain);
  }
  if (window.TemperedWidgets) go();
  else document.addEventListener("DOMContentLoaded", go);
})();
