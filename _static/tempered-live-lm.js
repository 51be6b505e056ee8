/* Live next-token widget: the course's bundled models, run in the reader's browser.
 *
 * A page asks for it with <div class="tempered-live-lm" data-models="grammar austen"
 * data-prompt="..."></div>. Nothing is fetched until the reader presses "Start": then the
 * ONNX runtime (onnxruntime-web, WebAssembly), the tokenizer library (@huggingface/tokenizers)
 * and the chosen model load once per page, from the book's own vendor/ folder. A model is a
 * manifest (vendor/live-lm/<name>/manifest.json, written by tempered.lm.browser_export): its
 * files, vocabulary size, context length, start token and the names of the graph's cache of
 * past keys and values. The context is a fixed window with left truncation: ([start] + prompt
 * tokens), last context-length tokens. A prompt runs whole (an empty cache); each generated
 * token then runs as one position on the cache, until the window is full: from there every
 * token runs the whole window again, so the logits are always the full window's.
 * The static twin that follows the widget on the page stays where WebAssembly is missing.
 */
"use strict";

(function () {
  const SCRIPT_SRC = document.currentScript ? document.currentScript.src : document.baseURI;
  const VENDOR = new URL("../vendor/", SCRIPT_SRC).href;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const TOP_N = 10;
  const T_MIN = 0.05;
  const T_MAX = 20;
  const SLIDER_MAX = 1000;
  const BINS = [0.01, 0.1, 0.5, Infinity]; // colour classes tl-p0..tl-p3 of generated tokens
  const MODEL_LABELS = { grammar: "grammar (toy English)", austen: "austen (Jane Austen)" };

  /* ---- Arithmetic on one row of logits (checked against tempered.truncation by the tests) */

  /** log softmax in float64; -Infinity stays -Infinity. */
  function logSoftmax(u) {
    let max = -Infinity;
    for (const v of u) if (v > max) max = v;
    let sum = 0;
    for (const v of u) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    return Float64Array.from(u, (v) => v - lse);
  }

  function softmax(z) {
    let max = -Infinity;
    for (const v of z) if (v > max) max = v;
    const w = Float64Array.from(z, (v) => Math.exp(v - max));
    let sum = 0;
    for (const v of w) sum += v;
    return w.map((v) => v / sum);
  }

  /** Indices sorted by ascending value; ties keep index order (Array.sort is stable). */
  function ascending(z) {
    return Array.from(z, (_, i) => i).sort((a, b) => z[a] - z[b] || a - b);
  }

  function topKKeep(z, k) {
    const n = z.length;
    const kk = Math.min(Math.max(k, 1), n);
    const sorted = Float64Array.from(z).sort(); // ascending, -Infinity first
    const kth = sorted[n - kk];
    return Array.from(z, (v) => v >= kth && Number.isFinite(v));
  }

  function topPKeep(z, p) {
    if (p >= 1) return Array.from(z, Number.isFinite);
    const order = ascending(z);
    const probs = softmax(order.map((i) => z[i]));
    const keep = Array.from(z, Number.isFinite);
    let tail = 0;
    for (let j = 0; j < order.length - 1; j++) {
      tail += probs[j];
      if (tail <= 1 - p) keep[order[j]] = false;
    }
    return keep;
  }

  function minPKeep(z, minP) {
    const probs = softmax(z);
    let top = 0;
    for (const v of probs) if (v > top) top = v;
    return Array.from(z, (v, i) => !(probs[i] < minP * top) && Number.isFinite(v));
  }

  /**
   * Temperature and truncation, as tempered.truncation.warp: returns the final logits (-Infinity
   * = removed). s = {T, topK (0 = off), topP (1 = off), minP (0 = off), order}; T = 0 is greedy.
   */
  function warp(u, s) {
    if (s.T === 0) {
      let best = 0;
      for (let i = 1; i < u.length; i++) if (u[i] > u[best]) best = i;
      return Float64Array.from(u, (_, i) => (i === best ? 0 : -Infinity));
    }
    const first = s.order !== "llama.cpp";
    let z = first ? Float64Array.from(u, (v) => v / s.T) : Float64Array.from(u);
    const steps = [];
    if (s.topK > 0) steps.push((x) => topKKeep(x, s.topK));
    if (s.topP < 1) steps.push((x) => topPKeep(x, s.topP));
    if (s.minP > 0) steps.push((x) => minPKeep(x, s.minP));
    for (const step of steps) {
      const keep = step(z);
      z = z.map((v, i) => (keep[i] ? v : -Infinity));
    }
    return first ? z : z.map((v) => v / s.T);
  }

  /** The n largest entries' indices, largest first (ties: lower index first), in one pass. */
  function topIndices(p, n) {
    const top = [];
    for (let i = 0; i < p.length; i++) {
      if (top.length === n && p[i] <= p[top[n - 1]]) continue;
      let j = top.length === n ? n - 1 : top.length;
      while (j > 0 && p[top[j - 1]] < p[i]) {
        top[j] = top[j - 1];
        j -= 1;
      }
      top[j] = i;
    }
    return top;
  }

  function entropy(p) {
    let h = 0;
    for (const v of p) if (v > 0) h -= v * Math.log(v);
    return h;
  }

  /** A small seeded generator (mulberry32): the same seed gives the same stream. */
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Inverse-CDF draw of one index from probabilities p with a uniform r in [0, 1). */
  function draw(p, r) {
    let total = 0;
    for (const v of p) total += v;
    const target = r * total;
    let run = 0;
    let last = 0;
    for (let i = 0; i < p.length; i++) {
      if (p[i] <= 0) continue;
      run += p[i];
      last = i;
      if (run > target) return i;
    }
    return last;
  }

  const math = { logSoftmax, softmax, warp, entropy, mulberry32, draw, topKKeep, topPKeep,
    minPKeep, topIndices };

  /* ---- Loading: runtime, tokenizer library and models, once per page ---------------------- */

  let ortPromise = null;
  let tokenizerLib = null;
  const models = new Map();

  function loadRuntime() {
    if (!ortPromise) {
      ortPromise = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = `${VENDOR}onnxruntime-web/ort.wasm.min.js`;
        script.onload = () => {
          const ort = window.ort;
          ort.env.wasm.wasmPaths = `${VENDOR}onnxruntime-web/`;
          // Threads need SharedArrayBuffer, which needs cross-origin isolation (COOP/COEP
          // headers); static hosts send none, so the runtime then runs on one thread.
          ort.env.wasm.numThreads = window.crossOriginIsolated
            ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
          resolve(ort);
        };
        script.onerror = () => reject(new Error("the ONNX runtime script did not load"));
        document.head.appendChild(script);
      });
      ortPromise.catch(() => { ortPromise = null; });
    }
    return ortPromise;
  }

  function loadTokenizers() {
    if (!tokenizerLib) {
      tokenizerLib = import(`${VENDOR}tokenizers/tokenizers.min.mjs`);
      tokenizerLib.catch(() => { tokenizerLib = null; });
    }
    return tokenizerLib;
  }

  async function fetchOk(url, kind) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return kind === "json" ? response.json() : response.arrayBuffer();
  }

  /** One model: its manifest, tokenizer and ONNX session; runs are queued (one at a time). */
  class LiveModel {
    constructor(manifest, tokenizer, session, ort, grammar) {
      this.manifest = manifest;
      this.tokenizer = tokenizer;
      this.session = session;
      this.ort = ort;
      this.grammar = grammar;
      this.queue = Promise.resolve();
      this.pieces = new Map();
    }

    encode(text) {
      return this.tokenizer.encode(text).ids;
    }

    /** {ids, dropped, total}: [start] + tokens, left-truncated to the context length. */
    context(prompt) {
      return this.window([this.manifest.bos_id, ...this.encode(prompt)]);
    }

    window(ids) {
      const dropped = Math.max(ids.length - this.manifest.context_length, 0);
      return { ids: ids.slice(dropped), dropped, total: ids.length };
    }

    /**
     * One run of the graph on ids after the positions cached in past (null: none):
     * {logits: Float64Array over the whole vocabulary, cache: the keys and values of all, or
     * null when keep is false (then they are not copied out of the runtime)}.
     */
    run(ids, past, keep = true) {
      const run = this.queue.then(async () => {
        const { Tensor } = this.ort;
        const c = this.manifest.cache;
        const feeds = { input_ids: new Tensor("int64", BigInt64Array.from(ids, (i) => BigInt(i)),
          [1, ids.length]) };
        c.inputs.forEach((name, i) => {
          feeds[name] = past ? past[i]
            : new Tensor("float32", new Float32Array(0), [1, c.heads, 0, c.head_dim]);
        });
        const out = await this.session.run(feeds, keep ? undefined : ["logits"]);
        return { logits: Float64Array.from(out.logits.data),
          cache: keep ? c.outputs.map((n) => out[n]) : null };
      });
      this.queue = run.catch(() => undefined);
      return run;
    }

    /** Next-token logits (Float64Array over the whole vocabulary) after the ids. */
    async logits(ids) {
      return (await this.run(ids, null, false)).logits;
    }

    /**
     * Next-token logits after seq ([start] + all tokens so far), continuing from state (what the
     * call for seq minus its last token returned; null: none): one position on the cache while
     * seq fits the window, else the whole window again. Returns {logits, state}.
     */
    async next(seq, state, useCache = true) {
      const fits = seq.length <= this.manifest.context_length;
      const r = useCache && fits && state && state.length === seq.length - 1
        ? await this.run(seq.slice(-1), state.cache)
        : await this.run(this.window(seq).ids, null);
      return { logits: r.logits, state: { length: seq.length, cache: r.cache } };
    }

    async logprobs(prompt) {
      return logSoftmax(await this.logits(this.context(prompt).ids));
    }

    piece(id) {
      if (!this.pieces.has(id)) this.pieces.set(id, this.tokenizer.decode([id]));
      return this.pieces.get(id);
    }
  }

  function loadModel(name) {
    if (!models.has(name)) {
      const promise = (async () => {
        const base = `${VENDOR}live-lm/${encodeURIComponent(name)}/`;
        // The runtime and the tokenizer library load while the manifest is on its way.
        const libraries = Promise.all([loadRuntime(), loadTokenizers()]);
        libraries.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
        const manifest = await fetchOk(`${base}manifest.json`, "json");
        const files = manifest.files;
        const [[ort, lib], tokJson, tokConfig, weights, grammar] = await Promise.all([
          libraries,
          fetchOk(base + files.tokenizer, "json"), fetchOk(base + files.tokenizer_config, "json"),
          fetchOk(base + files.model, "bytes"),
          files.grammar ? fetchOk(base + files.grammar, "json") : null,
        ]);
        const session = await ort.InferenceSession.create(new Uint8Array(weights),
          { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
        return new LiveModel(manifest, new lib.Tokenizer(tokJson, tokConfig), session, ort,
          grammar);
      })();
      promise.catch(() => models.delete(name));
      models.set(name, promise);
    }
    return models.get(name);
  }

  /**
   * n tokens drawn after start ([start] + prompt tokens) with settings s and the uniform stream
   * next; onToken(id, p) after each. useCache = false runs the whole window for every token
   * (the tests' reference). Returns the ids.
   */
  async function generate(model, start, n, s, next, onToken, useCache = true) {
    const out = [];
    let state = null;
    for (let j = 0; j < n; j++) {
      const step = await model.next(start.concat(out), state, useCache);
      state = step.state;
      const p = softmax(warp(step.logits, s));
      const id = draw(p, next());
      out.push(id);
      if (onToken) onToken(id, p);
    }
    return out;
  }

  /* ---- The grammar's legal next words after a prompt ------------------------------------- */

  /** {legal: Set of token ids} or {left: reason} for the prompt's tokens (no start token). */
  function grammarState(model, ids) {
    const g = model.grammar;
    let state = g.start;
    let prefix = [];
    for (const id of ids) {
      const word = g.words[id];
      const shown = JSON.stringify(model.piece(id));
      if (state < 0) return { left: `the sentence is over before ${shown}` };
      if (word === undefined) return { left: `the token ${shown} is not a word of the grammar` };
      const edge = g.states[state].find((e) => e[0] === id);
      if (!edge) {
        const after = prefix.length ? `"${prefix.join(" ")}"` : "the start of a sentence";
        return { left: `"${word}" cannot follow ${after}` };
      }
      prefix.push(word);
      if (prefix.length > 6) prefix = prefix.slice(-6);
      state = edge[1];
    }
    if (state < 0) return { left: "the sentence is over: nothing can follow the end token" };
    return { legal: new Set(g.states[state].map((e) => e[0])) };
  }

  /* ---- The widget --------------------------------------------------------------------------- */

  let counter = 0;

  function el(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function svgEl(tag, attrs, parent, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function control(parent, label, input) {
    const id = `tl-${++counter}`;
    const row = el("div", { class: "tl-control" }, parent);
    el("label", { for: id }, row, label);
    input.id = id;
    row.appendChild(input);
    return input;
  }

  function field(parent, label, attrs) {
    return control(parent, label, el("input", { type: "text", inputmode: "decimal", size: "6",
      ...attrs }));
  }

  const sliderToT = (x) => (x <= 0 ? 0 : T_MIN * (T_MAX / T_MIN) ** (x / SLIDER_MAX));
  const tToSlider = (T) => (T <= 0 ? 0
    : Math.round(SLIDER_MAX * Math.log(T / T_MIN) / Math.log(T_MAX / T_MIN)));
  const shownToken = (s) => JSON.stringify(s.replace(/ /g, "\u2423")).slice(1, -1);
  const fmt = (v) => (v >= 0.001 || v === 0 ? v.toFixed(3) : v.toExponential(1));

  /** Parses a number field; returns {value} or {error}. */
  function parseNumber(text, name, { min, max, integer, openMin }) {
    const raw = text.trim();
    const v = raw === "" ? NaN : Number(raw);
    const shown = JSON.stringify(raw.slice(0, 20));
    if (!Number.isFinite(v)) return { error: `${name} must be a number, not ${shown}` };
    if (integer && !Number.isInteger(v)) return { error: `${name} must be a whole number` };
    if (openMin ? v <= min : v < min) {
      return { error: `${name} must be ${openMin ? "above" : "at least"} ${min}, not ${v}` };
    }
    if (v > max) return { error: `${name} must be at most ${max}, not ${v}` };
    return { value: v };
  }

  function buildControls(root, spec) {
    const ui = {};
    const top = el("div", { class: "tl-controls" }, root);
    ui.model = control(top, "Model", el("select"));
    for (const name of spec.models) {
      el("option", { value: name }, ui.model, MODEL_LABELS[name] || name);
    }
    ui.prompt = control(root, "Prompt", el("textarea", { rows: "2", class: "tl-prompt",
      spellcheck: "false" }));
    ui.prompt.value = spec.prompt;
    const temp = el("div", { class: "tl-controls" }, root);
    ui.slider = control(temp, "Temperature (log scale; left end: greedy)",
      el("input", { type: "range", min: "0", max: String(SLIDER_MAX), step: "1" }));
    ui.T = field(temp, "T =", { value: "1" });
    const trunc = el("div", { class: "tl-controls" }, root);
    ui.topK = field(trunc, "top-k (0: off)", { value: "0", inputmode: "numeric" });
    ui.topP = field(trunc, "top-p (1: off)", { value: "1" });
    ui.minP = field(trunc, "min-p (0: off)", { value: "0" });
    ui.order = control(trunc, "Order", el("select"));
    el("option", { value: "transformers" }, ui.order, "temperature first (transformers)");
    el("option", { value: "llama.cpp" }, ui.order, "temperature last (llama.cpp)");
    const gen = el("div", { class: "tl-controls" }, root);
    ui.seed = field(gen, "Seed", { value: "0", inputmode: "numeric" });
    ui.nTokens = field(gen, "Tokens", { value: "30", inputmode: "numeric" });
    ui.generate = el("button", { type: "button", class: "tl-button" }, gen, "Generate");
    ui.drawMany = el("button", { type: "button", class: "tl-button" }, gen, "Draw 1,000");
    ui.message = el("p", { class: "tl-message", role: "status", "aria-live": "polite" }, root);
    ui.stats = el("p", { class: "tl-stats" }, root);
    ui.figure = el("div", { class: "tl-figure" }, root);
    ui.text = el("p", { class: "tl-generated", "aria-live": "polite" }, root);
    const legend = el("p", { class: "tl-legend" }, root, "Generated tokens are coloured by the "
      + "probability they were drawn with: ");
    ["below 0.01", "0.01 to 0.1", "0.1 to 0.5", "0.5 or more"].forEach((text, i) => {
      el("span", { class: `tl-token tl-p${i}` }, legend, text);
      if (i < 3) legend.appendChild(document.createTextNode(", "));
    });
    return ui;
  }

  /** The axis' end: the largest value shown, rounded up to a tenth (at most 1). */
  function axisEnd(values) {
    let top = 0;
    for (const v of values) if (v > top) top = v;
    return Math.min(1, Math.max(0.1, Math.ceil(top * 10 - 1e-9) / 10));
  }

  function drawBars(ui, rows, drawn, alt) {
    const W = 640;
    const rowH = 22;
    const left = 190;
    const right = 60;
    const H = rowH * rows.length + 50;
    ui.figure.textContent = "";
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": alt },
      ui.figure);
    svgEl("title", {}, svg, alt);
    const end = axisEnd(rows.map((row) => row.p).concat(drawn || []));
    const scale = (W - left - right) / end;
    rows.forEach((row, r) => {
      const y = 6 + r * rowH;
      svgEl("text", { x: left - 8, y: y + 15, class: "tl-label", "text-anchor": "end" }, svg,
        row.label);
      svgEl("rect", { x: left, y: y + 3, width: Math.max(row.p * scale, 0.5), height: rowH - 6,
        class: row.cls }, svg);
      svgEl("text", { x: left + row.p * scale + 5, y: y + 15, class: "tl-value" }, svg,
        fmt(row.p));
      if (drawn) {
        const x = left + drawn[r] * scale;
        svgEl("line", { x1: x, x2: x, y1: y + 1, y2: y + rowH - 1, class: "tl-drawn" }, svg);
      }
    });
    const axisY = 6 + rows.length * rowH + 2;
    svgEl("line", { x1: left, x2: left + end * scale, y1: axisY, y2: axisY, class: "tl-axis" },
      svg);
    for (const tick of [0, end / 2, end]) {
      const x = left + tick * scale;
      svgEl("line", { x1: x, x2: x, y1: axisY, y2: axisY + 4, class: "tl-axis" }, svg);
      svgEl("text", { x, y: axisY + 16, class: "tl-value", "text-anchor": "middle" }, svg,
        String(Number(tick.toFixed(2))));
    }
    svgEl("text", { x: left + (end * scale) / 2, y: axisY + 36, class: "tl-label",
      "text-anchor": "middle" }, svg, drawn
      ? "probability (bars) and share of 1,000 draws (ticks)" : "probability");
  }

  function start(root) {
    const spec = {
      models: (root.getAttribute("data-models") || "grammar austen").split(/\s+/),
      prompt: root.getAttribute("data-prompt") || "",
    };
    root.textContent = "";
    const ui = buildControls(root, spec);
    const state = { T: 1, topK: 0, topP: 1, minP: 0, order: "transformers" };
    const problems = {};
    let current = null; // {model, logits, ids, dropped, total, grammar}
    let drawn = null;
    let version = 0;
    ui.slider.value = String(tToSlider(1));

    function setMessage() {
      const text = Object.values(problems).filter(Boolean).join(" ");
      ui.message.textContent = text;
      root.setAttribute("data-message", text);
    }

    function settings() {
      return { ...state };
    }

    function render() {
      if (!current) return;
      const s = settings();
      const z = warp(current.logits, s);
      const p = softmax(z);
      const V = p.length;
      const shown = topIndices(p, TOP_N);
      const inTop = new Set(shown);
      let rest = 0;
      for (let i = 0; i < V; i++) if (!inTop.has(i)) rest += p[i];
      let kept = 0;
      for (const v of p) if (v > 0) kept += 1;
      const legal = current.grammar && current.grammar.legal;
      let impossible = null;
      if (legal) {
        impossible = 0;
        for (let i = 0; i < V; i++) if (!legal.has(i)) impossible += p[i];
      }
      const rows = shown.map((i) => ({
        label: shownToken(current.model.piece(i)), p: p[i],
        cls: legal && !legal.has(i) ? "tl-bar tl-impossible" : "tl-bar",
      }));
      rows.push({ label: `(all ${V - TOP_N} others)`, p: rest, cls: "tl-bar tl-rest" });
      let drawnRows = null;
      if (drawn && drawn.key === JSON.stringify([s, current.ids])) {
        const counts = shown.map((i) => drawn.counts.get(i) || 0);
        const other = drawn.n - counts.reduce((a, b) => a + b, 0);
        drawnRows = [...counts, other].map((c) => c / drawn.n);
      }
      const Tshown = s.T === 0 ? "greedy" : `T = ${s.T.toPrecision(3)}`;
      const alt = `Next-token probabilities of the ${current.model.manifest.name} model at `
        + `${Tshown}: ${rows.slice(0, 3).map((r) => `${r.label} ${fmt(r.p)}`).join(", ")}, `
        + `all other tokens ${fmt(rest)}`;
      drawBars(ui, rows, drawnRows, alt);
      const parts = [`${Tshown}`, `entropy over all ${V} tokens: ${entropy(p).toFixed(3)} nats`,
        `tokens kept: ${kept}`, `mass outside the top ${TOP_N}: ${fmt(rest)}`];
      if (impossible !== null) parts.push(`mass on impossible next words: ${fmt(impossible)}`);
      ui.stats.textContent = parts.join(" · ");
      root.setAttribute("data-state", JSON.stringify({ s, kept, rest, impossible }));
      return { p, z };
    }

    async function refresh() {
      const mine = ++version;
      const name = ui.model.value;
      const prompt = ui.prompt.value;
      problems.load = "";
      try {
        const model = await loadModel(name);
        const ctx = model.context(prompt);
        const logits = await model.logits(ctx.ids);
        if (mine !== version) return;
        const notes = [];
        if (prompt.trim() === "") {
          notes.push("The prompt is empty: this is the distribution at the start of a text.");
        }
        if (ctx.dropped > 0) {
          notes.push(`The prompt is ${ctx.total - 1} tokens long; the model's window is `
            + `${model.manifest.context_length}, so its first ${ctx.dropped} tokens were `
            + "dropped (the start token too).");
        }
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(prompt)) {
          notes.push("The prompt has control characters; the model sees them as byte tokens.");
        }
        if (/\p{Extended_Pictographic}/u.test(prompt)) {
          notes.push("Emoji become several byte tokens, which the model rarely saw.");
        }
        let grammar = null;
        if (model.grammar) {
          grammar = grammarState(model, model.encode(prompt));
          if (grammar.left) {
            notes.push(`The prompt leaves the grammar (${grammar.left}), so no next word is `
              + "legal and the impossible mass is not defined.");
          }
        }
        problems.prompt = notes.join(" ");
        current = { model, logits, ids: ctx.ids, grammar };
        drawn = null;
        setMessage();
        render();
      } catch (error) {
        problems.load = `The live model could not run: ${error.message}.`;
        setMessage();
      }
    }

    function readNumber(input, key, name, rule) {
      const parsed = parseNumber(input.value, name, rule);
      problems[key] = parsed.error ? `${parsed.error}; still using ${state[key]}.` : "";
      if (!parsed.error) state[key] = parsed.value;
      input.setAttribute("aria-invalid", String(Boolean(parsed.error)));
      setMessage();
      render();
    }

    ui.slider.addEventListener("input", () => {
      state.T = sliderToT(Number(ui.slider.value));
      ui.T.value = state.T === 0 ? "0" : state.T.toPrecision(3);
      problems.T = state.T === 0 ? "T at the left end is greedy: the most likely token." : "";
      ui.T.setAttribute("aria-invalid", "false");
      setMessage();
      render();
    });
    ui.T.addEventListener("change", () => {
      const parsed = parseNumber(ui.T.value, "T", { min: 0, max: 1e6 });
      if (parsed.error) {
        problems.T = `${parsed.error}; still using T = ${state.T}.`;
      } else {
        state.T = parsed.value;
        problems.T = parsed.value === 0 ? "T = 0 means greedy: the most likely token." : "";
        ui.slider.value = String(Math.min(tToSlider(state.T), SLIDER_MAX));
      }
      ui.T.setAttribute("aria-invalid", String(Boolean(parsed.error)));
      setMessage();
      render();
    });
    ui.topK.addEventListener("change", () => readNumber(ui.topK, "topK", "top-k",
      { min: 0, max: 1e9, integer: true }));
    ui.topP.addEventListener("change", () => readNumber(ui.topP, "topP", "top-p",
      { min: 0, max: 1, openMin: true }));
    ui.minP.addEventListener("change", () => readNumber(ui.minP, "minP", "min-p",
      { min: 0, max: 1 }));
    ui.order.addEventListener("change", () => { state.order = ui.order.value; render(); });
    let timer = null;
    ui.prompt.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
    ui.model.addEventListener("change", refresh);

    function seed() {
      const parsed = parseNumber(ui.seed.value, "The seed", { min: 0, max: 4294967295,
        integer: true });
      problems.seed = parsed.error ? `${parsed.error}; using seed 0.` : "";
      setMessage();
      return parsed.error ? 0 : parsed.value;
    }

    ui.drawMany.addEventListener("click", () => {
      if (!current) return;
      const s = settings();
      const p = softmax(warp(current.logits, s));
      const next = mulberry32(seed());
      const counts = new Map();
      const n = 1000;
      for (let j = 0; j < n; j++) {
        const i = draw(p, next());
        counts.set(i, (counts.get(i) || 0) + 1);
      }
      drawn = { key: JSON.stringify([s, current.ids]), counts, n };
      render();
    });

    ui.generate.addEventListener("click", async () => {
      if (!current) return;
      const parsedN = parseNumber(ui.nTokens.value, "Tokens", { min: 1, max: 200,
        integer: true });
      problems.n = parsedN.error ? `${parsedN.error}; generating 30.` : "";
      const n = parsedN.error ? 30 : parsedN.value;
      const next = mulberry32(seed());
      const { model } = current;
      const prompt = ui.prompt.value;
      const s = settings();
      ui.generate.disabled = true;
      ui.text.textContent = "";
      el("span", { class: "tl-prompt-echo" }, ui.text, prompt);
      const start = [model.manifest.bos_id, ...model.encode(prompt)];
      try {
        const out = await generate(model, start, n, s, next, (id, p) => {
          const bin = BINS.findIndex((edge) => p[id] < edge);
          el("span", { class: `tl-token tl-p${bin}`, title: `p = ${fmt(p[id])}` }, ui.text,
            model.piece(id));
        });
        root.setAttribute("data-generated", JSON.stringify(out));
      } catch (error) {
        problems.load = `Generation stopped: ${error.message}.`;
      } finally {
        ui.generate.disabled = false;
        setMessage();
      }
    });

    root.liveRender = render; // the benchmark times a re-temper and redraw
    return refresh();
  }

  function twinOf(root) {
    for (const widget of document.querySelectorAll(".tempered-widget")) {
      if (root.compareDocumentPosition(widget) & Node.DOCUMENT_POSITION_FOLLOWING) return widget;
    }
    return null;
  }

  function setup(root) {
    if (root.hasAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    const twin = root.getAttribute("data-replaces") === "next" ? twinOf(root) : null;
    if (typeof WebAssembly !== "object") {
      el("p", { class: "tl-message" }, root, "This browser has no WebAssembly, so the live "
        + "model cannot run here; the fixed-prompt widget below works without it.");
      return;
    }
    const intro = el("p", {}, root, "Run the course's models in this page: any prompt, the "
      + "whole vocabulary, every sampler. It downloads the model runtime once (a few MB).");
    const button = el("button", { type: "button", class: "tl-button tl-start" }, root,
      "Start the live model");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Loading the model\u2026";
      const ok = await start(root).then(() => !root.querySelector(".tl-message").textContent
        .startsWith("The live model could not run"), () => false);
      if (ok && twin) (twin.closest(".cell_output") || twin).hidden = true;
      intro.remove();
    });
  }

  function init() {
    for (const root of document.querySelectorAll(".tempered-live-lm")) setup(root);
  }

  window.TemperedLiveLM = { math, load: loadModel, generate, grammarState, init };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
