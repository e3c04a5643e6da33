// ResAttn Studio slot canvas (Streamlit custom component v2; no build step).
// Draws y = act( A_o( A_s(P(x)) + A_r(F(A_p(x))) ) ) as SVG with four drop zones.
// Edits are sent as the trigger value "edits": {epoch, edits: [{seq, op, slot, type, from}]}.
// Every edit gets the next sequence number of this mount (`epoch`) and is drawn at once
// (optimistically); it stays in `pending` — and is sent again with every later edit, and on a
// timer — until the server's data acknowledges its number (`data.ack.seq`), so a trigger
// that is lost or coalesced during a rerun loses no edit, and the server (which applies each
// number once, in order) never applies one twice. A refused edit is reverted by the server's
// data and its reason shown.
// One message at a time: while one is in flight (sent, and no data back since), a new edit
// waits for the data and then goes with the others; a timed resend waits while the page's
// script runs. Each message reruns the page and Streamlit stops a running rerun for a newer
// one: sending into a busy server would have it start over and over, never answering.

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 1200;
const H = 400;
const WIRE = { top: 95, mid: 210, bottom: 325 };
const SPLIT_X = 100;
const ADD = { x: 830, y: WIRE.mid, r: 22 };
// Zone centres: the gate ⊗ sits on the wire at (cx, wire); the chip above it.
const ZONES = {
  pre_residual: { cx: 220, wire: WIRE.bottom, w: 190 },
  branch: { cx: 715, wire: WIRE.bottom, w: 190 },
  skip: { cx: 590, wire: WIRE.top, w: 210 },
  post_add: { cx: 955, wire: WIRE.mid, w: 190 },
};
const F_BOX = { x: 335, w: 270 };
const CHIP = { w: 120, h: 46, lift: 72 };
const ZONE_UP = 86;
const ZONE_DOWN = 48;
const instances = new WeakMap();

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

// The words come from Python in the page's language (`data.labels`, canvas.py `labels()`), with
// `{name}` placeholders that `say` fills in.
function say(template, values = {}) {
  return String(template ?? "").replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

function el(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function newId() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
}

function fit(text, width) {
  // Squeeze a label that would overflow its box (measured once it is in the document).
  requestAnimationFrame(() => {
    if (text.isConnected && text.getComputedTextLength() > width) {
      text.setAttribute("textLength", width);
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
  });
}

function wire(svg, d, cls = "ra-wire") {
  svg.appendChild(el("path", { d, class: cls }));
}

function drawGate(svg, zone, chip, slot, selected, L) {
  // z → ⊗ on the wire; α(z) computed by the chip above the wire feeds the ⊗ from above.
  const { cx, wire: y } = zone;
  const top = y - CHIP.lift;
  const g = el("g", {
    class: `ra-placed ra-type-${chip.type}` + (selected ? " ra-selected" : ""),
    "data-slot": slot, "data-type": chip.type, tabindex: 0, role: "button",
    "aria-label": say(L.placed_aria, { label: chip.label, slot }),
  });
  g.appendChild(el("path", { d: `M ${cx - 48} ${y} V ${top + CHIP.h / 2} H ${cx - CHIP.w / 2}`, class: "ra-tap" }));
  g.appendChild(el("path", { d: `M ${cx} ${top + CHIP.h} V ${y - 13}`, class: "ra-tap ra-alpha" }));
  g.appendChild(el("rect", {
    x: cx - CHIP.w / 2, y: top, width: CHIP.w, height: CHIP.h, rx: 10, class: "ra-chip-box",
  }));
  g.appendChild(el("text", { x: cx - 8, y: top + 21, class: "ra-chip-label" }, chip.label));
  const detail = el("text", { x: cx - 8, y: top + 38, class: "ra-chip-detail" }, chip.detail);
  g.appendChild(detail);
  g.appendChild(el("text", { x: cx + 7, y: y - 19, class: "ra-alpha-label" }, "α"));
  const x = el("g", {
    class: "ra-remove", "data-remove": slot, role: "button", tabindex: 0,
    "aria-label": say(L.remove_aria, { label: chip.label, slot }),
  });
  x.appendChild(el("circle", { cx: cx + CHIP.w / 2 - 2, cy: top + 2, r: 12 }));
  x.appendChild(el("text", { x: cx + CHIP.w / 2 - 2, y: top + 7, class: "ra-remove-x" }, "×"));
  x.appendChild(el("title", {}, say(L.remove, { label: chip.label })));
  g.appendChild(x);
  g.appendChild(el("title", {}, say(L.placed, { name: chip.name, detail: chip.detail })));
  svg.appendChild(g);
  fit(detail, CHIP.w - 26);
  // The gate: ⊗ multiplies the wire by α.
  const mul = el("g", { class: "ra-mul" });
  mul.appendChild(el("circle", { cx, cy: y, r: 13 }));
  mul.appendChild(el("path", { d: `M ${cx - 8} ${y - 8} L ${cx + 8} ${y + 8} M ${cx + 8} ${y - 8} L ${cx - 8} ${y + 8}` }));
  svg.appendChild(mul);
}

function drawZone(svg, slot, zone, info, L) {
  const { cx, wire: y, w } = zone;
  const g = el("g", { class: "ra-zone", "data-slot": slot });
  g.appendChild(el("rect", {
    x: cx - w / 2, y: y - ZONE_UP, width: w, height: ZONE_UP + ZONE_DOWN, rx: 14, class: "ra-zone-box",
  }));
  g.appendChild(el("text", { x: cx, y: y + 32, class: "ra-zone-label" }, info.title));
  if (!info.filled) {
    g.appendChild(el("text", { x: cx, y: y - 34, class: "ra-zone-hint" }, L.drop_here));
  }
  const blocked = Object.entries(info.errors || {}).filter(([, msg]) => msg);
  let tip = `${info.code} — ${info.name}: ${info.formula}\n${info.meaning}`;
  if (blocked.length) {
    tip += `\n\n${L.not_allowed}\n` + blocked.map(([t, msg]) => `• ${t.toUpperCase()}: ${msg}`).join("\n");
  }
  // Kinds refused here are named in the tooltip only: red is shown while one is dragged
  // (`paint`), never as a mark on a zone — red means a refused drop, not a fault of the design.
  g.appendChild(el("title", {}, tip));
  svg.appendChild(g);
  return g;
}

function drawBlock(root, data) {
  const L = data.labels;
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "ra-svg", role: "img",
    "aria-label": say(L.block, { formula: data.formula }),
  });
  const b = data.block;
  // Wires: x splits into the skip (top) and the branch (bottom); both meet at ⊕.
  wire(svg, `M 62 ${WIRE.mid} H ${SPLIT_X}`);
  wire(svg, `M ${SPLIT_X} ${WIRE.mid} V ${WIRE.top} H ${ADD.x} V ${ADD.y - ADD.r}`);
  wire(svg, `M ${SPLIT_X} ${WIRE.mid} V ${WIRE.bottom} H ${ADD.x} V ${ADD.y + ADD.r}`);
  const endX = W - 60;
  wire(svg, `M ${ADD.x + ADD.r} ${WIRE.mid} H ${endX}`);
  svg.appendChild(el("circle", { cx: SPLIT_X, cy: WIRE.mid, r: 5, class: "ra-dot" }));
  // x and y
  svg.appendChild(el("text", { x: 36, y: WIRE.mid + 8, class: "ra-io" }, "x"));
  svg.appendChild(el("text", { x: 24, y: WIRE.mid + 34, class: "ra-shape" }, b.in_shape));
  svg.appendChild(el("text", { x: endX + 14, y: WIRE.mid + 8, class: "ra-io" }, "y"));
  svg.appendChild(el("text", { x: endX + 38, y: WIRE.mid + 34, class: "ra-shape ra-end" }, b.out_shape));
  // Path names
  svg.appendChild(el("text", { x: SPLIT_X - 12, y: WIRE.top + 6, class: "ra-path-name ra-end" }, L.skip));
  svg.appendChild(el("text", { x: SPLIT_X - 12, y: WIRE.bottom + 6, class: "ra-path-name ra-end" }, L.branch));
  // Skip: projection P or identity
  if (b.skip) {
    const px = 160, pw = 250;
    svg.appendChild(el("rect", { x: px, y: WIRE.top - 22, width: pw, height: 44, rx: 8, class: "ra-box ra-proj" }));
    svg.appendChild(el("text", { x: px + pw / 2, y: WIRE.top + 6, class: "ra-box-text" }, b.skip));
  } else {
    svg.appendChild(el("text", { x: 300, y: WIRE.top - 12, class: "ra-path-note" }, L.identity));
  }
  // Branch F with its convs
  const lines = b.layers.length;
  const fh = 40 + lines * 26;
  const fy = WIRE.bottom - fh / 2;
  svg.appendChild(el("rect", { x: F_BOX.x, y: fy, width: F_BOX.w, height: fh, rx: 10, class: "ra-box ra-f" }));
  svg.appendChild(el("text", { x: F_BOX.x + F_BOX.w / 2, y: fy + 26, class: "ra-box-title" }, b.title));
  b.layers.forEach((line, i) => {
    svg.appendChild(el("text", { x: F_BOX.x + F_BOX.w / 2, y: fy + 52 + i * 26, class: "ra-layer" }, line));
  });
  // ⊕ and the post-add activation
  svg.appendChild(el("circle", { cx: ADD.x, cy: ADD.y, r: ADD.r, class: "ra-add" }));
  svg.appendChild(el("path", { d: `M ${ADD.x - 12} ${ADD.y} H ${ADD.x + 12} M ${ADD.x} ${ADD.y - 12} V ${ADD.y + 12}`, class: "ra-add-plus" }));
  if (b.act) {
    const ax = 1065;
    svg.appendChild(el("rect", { x: ax, y: WIRE.mid - 20, width: 64, height: 40, rx: 8, class: "ra-box ra-act" }));
    svg.appendChild(el("text", { x: ax + 32, y: WIRE.mid + 6, class: "ra-box-text" }, b.act));
  }
  const zones = {};
  for (const [slot, zone] of Object.entries(ZONES)) {
    const info = data.zones[slot];
    zones[slot] = drawZone(svg, slot, zone, info, L);
  }
  for (const [slot, zone] of Object.entries(ZONES)) {
    const chip = data.slots[slot];
    if (chip) drawGate(svg, zone, chip, slot, data.selected === slot, L);
  }
  if (data.tour) {
    // Projector mode: dots flow along the wires — x alone on the skip to ⊕, through F (and
    // every gate, which pulses as it multiplies) on the branch, then on to y.
    const flow = (d, cls) => svg.appendChild(el("path", { d, class: `ra-flow ${cls}` }));
    flow(`M ${SPLIT_X} ${WIRE.mid} V ${WIRE.top} H ${ADD.x} V ${ADD.y - ADD.r}`, "ra-flow-skip");
    flow(`M ${SPLIT_X} ${WIRE.mid} V ${WIRE.bottom} H ${ADD.x} V ${ADD.y + ADD.r}`, "ra-flow-branch");
    flow(`M ${ADD.x + ADD.r} ${WIRE.mid} H ${endX}`, "ra-flow-out");
  }
  svg.appendChild(el("text", { x: W - 8, y: H - 6, class: "ra-legend" }, L.legend));
  root.appendChild(svg);
  return zones;
}

function zoneAt(zones, x, y) {
  for (const [slot, g] of Object.entries(zones)) {
    const r = g.querySelector(".ra-zone-box").getBoundingClientRect();
    if (x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) return slot;
  }
  return null;
}

const RESEND_MS = 1500;
// how soon a timed resend put off while the page's script runs is considered again
const RUNNING_RECHECK_MS = 250;

function scriptRunning() {
  // Streamlit's app element says whether the page's script runs (its "script state").
  const app = document.querySelector('[data-testid="stApp"]');
  return Boolean(app) && app.getAttribute("data-test-script-state") === "running";
}

// One instance per mounted canvas. Listeners are attached once and read the latest data, so a
// re-render (new data from Python) in the middle of a drag does not lose the drop.
function optimistic(data, pending) {
  // The server's design with the edits it has not acknowledged yet applied on top.
  if (!pending.length) return data;
  const view = { ...data, slots: { ...data.slots }, zones: { ...data.zones } };
  const chip = (type) => {
    const p = data.palette.find((c) => c.type === type);
    return p ? { type, label: p.label, name: p.name, detail: "…" } : null;
  };
  for (const e of pending) {
    if (e.op === "place" && e.slot) view.slots[e.slot] = chip(e.type);
    else if (e.op === "remove" && e.slot) view.slots[e.slot] = null;
    else if (e.op === "move" && e.slot && e.from) {
      [view.slots[e.slot], view.slots[e.from]] = [view.slots[e.from], view.slots[e.slot]];
    } else if (e.op === "select") view.selected = e.slot;
  }
  for (const slot of Object.keys(view.zones)) {
    view.zones[slot] = { ...view.zones[slot], filled: Boolean(view.slots[slot]) };
  }
  return view;
}

function renderKeys(inst, data) {
  // The keyboard path: one labelled select per slot (built once, so a focused select keeps its
  // focus), showing the design with the pending edits; a choice is an edit like a drop.
  const L = data.labels;
  const box = inst.host.querySelector(".ra-keys");
  const words = JSON.stringify([L.keys_title, L.keys_none, data.keys, data.palette]);
  if (inst.keyWords !== words) {
    inst.keyWords = words;
    box.setAttribute("aria-label", L.keys_title);
    const options = `<option value="none">${esc(L.keys_none)}</option>` + data.palette.map((p) =>
      `<option value="${esc(p.type)}">${esc(p.label)} · ${esc(p.name)}</option>`).join("");
    box.innerHTML = `<div class="ra-keys-title">${esc(L.keys_title)}</div>` + data.keys.map((k) =>
      `<label class="ra-key" title="${esc(k.help)}"><span>${esc(k.label)}</span>` +
      `<select data-slot="${esc(k.slot)}" aria-label="${esc(k.label)}">${options}</select></label>`
    ).join("");
  }
  for (const sel of box.querySelectorAll("select")) {
    const chip = data.slots[sel.dataset.slot];
    sel.value = chip ? chip.type : "none";
  }
}

function render(inst) {
  const host = inst.host;
  const data = optimistic(inst.data, inst.pending);
  const L = data.labels;
  inst.view = data;
  host.setAttribute("aria-label", L.canvas);
  host.querySelector(".ra-palette").setAttribute("aria-label", L.chips);
  host.querySelector(".ra-formula").innerHTML =
    `<span class="ra-formula-main">${esc(data.formula)}</span>` +
    (data.patterns || []).map((p) =>
      `<span class="ra-pattern" title="${esc(`${p.code} · ${p.formula} — ${p.name}`)}">` +
      `${esc(p.code)} · ${esc(p.formula)}</span>`
    ).join("");
  host.querySelector(".ra-palette").innerHTML =
    `<span class="ra-palette-title">${esc(L.palette)}</span>` + data.palette.map((p) =>
      `<button type="button" class="ra-chip ra-type-${esc(p.type)}" data-type="${esc(p.type)}" ` +
      `title="${esc(say(L.palette_chip, { name: p.name, gates: p.gates }))}" ` +
      `aria-label="${esc(say(L.palette_chip_aria, { name: p.name }))}">${esc(p.label)}</button>`
    ).join("");
  const stage = host.querySelector(".ra-stage");
  stage.innerHTML = "";
  inst.zones = drawBlock(stage, data);
  renderKeys(inst, data);
  host.classList.toggle("ra-pending", inst.pending.length > 0);
  host.classList.toggle("ra-present", Boolean(data.tour));
  // What tests and the load benchmark read: the last sequence number sent and acknowledged.
  host.dataset.seq = String(inst.seq);
  host.dataset.acked = String(inst.data.ack && inst.data.ack.epoch === inst.epoch ? inst.data.ack.seq : 0);
  host.dataset.pending = String(inst.pending.length);
  if (!inst.drag && !inst.pending.length && !inst.keepStatus) inst.setStatus(data.context || L.help);
}

function attach(host) {
  const abort = new AbortController();
  const on = (target, ev, fn) => target.addEventListener(ev, fn, { signal: abort.signal });
  const status = host.querySelector(".ra-status");
  const inst = {
    host, abort, data: null, view: null, zones: {}, drag: null, setTriggerValue: null,
    epoch: newId(), seq: 0, pending: [], timer: null, keepStatus: false, attempts: 0, lastSent: 0,
    sentUpto: 0, answered: true,
  };
  // A message is in flight from its sending until the server's next data (answered or not).
  inst.inFlight = () => !inst.answered && inst.pending.some((e) => e.seq <= inst.sentUpto);
  inst.setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = "ra-status" + (kind ? ` ra-status-${kind}` : "");
  };
  inst.flush = () => {
    clearTimeout(inst.timer);
    if (!inst.pending.length || !inst.setTriggerValue) return;
    inst.setTriggerValue("edits", { epoch: inst.epoch, edits: inst.pending });
    inst.lastSent = Date.now();
    inst.sentUpto = inst.seq;
    inst.answered = false;
    // Until acknowledged: again after 1.5 s, then 3, 6, 8 s — a busy server is not sent more
    // work for its trouble (each message reruns the canvas).
    const wait = Math.min(RESEND_MS * 2 ** inst.attempts, 8000);
    inst.attempts += 1;
    inst.timer = setTimeout(inst.resend, wait);
  };
  inst.resend = () => {
    if (scriptRunning()) inst.timer = setTimeout(inst.resend, RUNNING_RECHECK_MS);
    else inst.flush();
  };
  const send = (action) => {
    inst.seq += 1;
    inst.pending.push({ ...action, seq: inst.seq });
    inst.keepStatus = false;
    render(inst);
    if (inst.inFlight()) return;  // it goes with the others when the data comes back
    inst.attempts = 0;
    inst.flush();
  };
  inst.send = send;
  const zoneInfo = (slot) => inst.view.zones[slot];

  const paint = (x, y) => {
    const drag = inst.drag;
    const L = inst.view.labels;
    const over = zoneAt(inst.zones, x, y);
    drag.over = over;  // what the user sees highlighted is where the chip goes on release
    for (const [slot, g] of Object.entries(inst.zones)) {
      const err = zoneInfo(slot).errors?.[drag.type];
      const warn = zoneInfo(slot).warnings?.[drag.type];
      g.classList.toggle("ra-drop-bad", Boolean(err));
      g.classList.toggle("ra-drop-warn", !err && Boolean(warn) && slot !== drag.from);
      g.classList.toggle("ra-drop-ok", !err && !warn && slot !== drag.from);
      g.classList.toggle("ra-over", slot === over);
    }
    if (over) {
      const z = zoneInfo(over);
      const err = z.errors?.[drag.type];
      const warn = z.warnings?.[drag.type];
      const what = { label: drag.label, where: z.where };
      if (err) inst.setStatus("✖ " + say(L.cant_go, { ...what, reason: err }), "error");
      else if (warn) inst.setStatus("⚠ " + say(L.warn_here, { ...what, warning: warn }), "warning");
      else inst.setStatus(say(L.drop_to_put, { ...what, code: z.code, formula: z.formula }), "ok");
    } else if (drag.from) {
      inst.setStatus(say(L.release_to_remove, { label: drag.label }), "warning");
    } else {
      inst.setStatus(say(L.drag_onto, { label: drag.label }));
    }
  };
  const clearPaint = () => {
    for (const g of Object.values(inst.zones)) {
      g.classList.remove("ra-drop-bad", "ra-drop-warn", "ra-drop-ok", "ra-over");
    }
  };
  const start = (ev, type, label, from) => {
    if (ev.button !== undefined && ev.button !== 0) return;
    ev.preventDefault();
    inst.drag = {
      type, label, from, x0: ev.clientX, y0: ev.clientY, moved: false, ghost: null, over: null,
    };
  };

  on(host.querySelector(".ra-palette"), "pointerdown", (ev) => {
    const chip = ev.target.closest(".ra-chip");
    if (chip) start(ev, chip.dataset.type, chip.textContent, null);
  });
  const stage = host.querySelector(".ra-stage");
  on(stage, "pointerdown", (ev) => {
    if (ev.target.closest(".ra-remove")) return;
    const placed = ev.target.closest(".ra-placed");
    if (placed) {
      const slot = placed.dataset.slot;
      start(ev, placed.dataset.type, inst.view.slots[slot].label, slot);
    }
  });
  on(window, "pointermove", (ev) => {
    const drag = inst.drag;
    if (!drag) return;
    if (!drag.moved && Math.hypot(ev.clientX - drag.x0, ev.clientY - drag.y0) < 5) return;
    if (!drag.moved) {
      drag.moved = true;
      drag.ghost = document.createElement("div");
      drag.ghost.className = `ra-ghost ra-type-${drag.type}`;
      drag.ghost.textContent = drag.label;
      host.appendChild(drag.ghost);
      host.classList.add("ra-dragging");
    }
    drag.ghost.style.left = `${ev.clientX}px`;
    drag.ghost.style.top = `${ev.clientY}px`;
    paint(ev.clientX, ev.clientY);
  });
  const finish = (ev, cancelled) => {
    const d = inst.drag;
    if (!d) return;
    const L = inst.view.labels;
    inst.drag = null;
    if (d.ghost) d.ghost.remove();
    host.classList.remove("ra-dragging");
    clearPaint();
    if (cancelled) return;
    if (!d.moved) {
      if (d.from) send({ op: "select", slot: d.from, type: d.type });
      else inst.setStatus(say(L.drag_onto_or, { label: d.label }));
      return;
    }
    const target = zoneAt(inst.zones, ev.clientX, ev.clientY) || d.over;
    if (!target) {
      if (d.from) {
        inst.setStatus(say(L.removed, { label: d.label, where: zoneInfo(d.from).where }), "ok");
        send({ op: "remove", slot: d.from, type: d.type });
      } else inst.setStatus(L.dropped_outside);
      return;
    }
    if (target === d.from) return;
    const err = zoneInfo(target).errors?.[d.type];
    if (err) {
      inst.setStatus("✖ " + say(L.cant_go, { label: d.label, where: zoneInfo(target).where, reason: err }), "error");
      return;
    }
    inst.setStatus(say(L.placing, { label: d.label, where: zoneInfo(target).where }), "ok");
    send(d.from ? { op: "move", from: d.from, slot: target, type: d.type }
      : { op: "place", slot: target, type: d.type });
  };
  on(window, "keydown", (ev) => {
    // Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes — except while typing in a field.
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const key = ev.key.toLowerCase();
    if (key !== "z" && key !== "y") return;
    const t = ev.composedPath()[0];
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable=true]")) return;
    ev.preventDefault();
    send({ op: key === "y" || ev.shiftKey ? "redo" : "undo" });
  });
  on(window, "keydown", (ev) => {
    // Projector mode: the arrow keys step through the guided tour.
    if (!inst.data || !inst.data.tour || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.composedPath()[0];
    if (t && t.closest && t.closest("input, textarea, select, [contenteditable=true]")) return;
    const step = { ArrowRight: 1, ArrowDown: 1, PageDown: 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1 }[ev.key];
    if (!step) return;
    ev.preventDefault();
    send({ op: "tour", step });
  });
  on(window, "pointerup", (ev) => finish(ev, false));
  on(window, "pointercancel", (ev) => finish(ev, true));
  on(host.querySelector(".ra-keys"), "change", (ev) => {
    const sel = ev.target.closest("select");
    if (!sel || !inst.view) return;
    const slot = sel.dataset.slot;
    const type = sel.value;
    const where = zoneInfo(slot).where;
    if (type === "none") {
      const chip = inst.view.slots[slot];
      if (chip) inst.setStatus(say(inst.view.labels.removed, { label: chip.label, where }), "ok");
      send({ op: "remove", slot });
      return;
    }
    const label = (inst.view.palette.find((p) => p.type === type) || { label: type }).label;
    const err = zoneInfo(slot).errors?.[type];
    if (err) {  // refused here, as a drop would be: say why and show the slot as it stays
      sel.value = inst.view.slots[slot] ? inst.view.slots[slot].type : "none";
      inst.setStatus("✖ " + say(inst.view.labels.cant_go, { label, where, reason: err }), "error");
      return;
    }
    inst.setStatus(say(inst.view.labels.placing, { label, where }), "ok");
    send({ op: "place", slot, type });
  });
  on(stage, "click", (ev) => {
    const rm = ev.target.closest(".ra-remove");
    if (rm) send({ op: "remove", slot: rm.dataset.remove });
  });
  on(stage, "keydown", (ev) => {
    const rm = ev.target.closest(".ra-remove");
    const placed = ev.target.closest(".ra-placed");
    if (rm && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      send({ op: "remove", slot: rm.dataset.remove });
    } else if (placed && (ev.key === "Delete" || ev.key === "Backspace")) {
      ev.preventDefault();
      send({ op: "remove", slot: placed.dataset.slot });
    } else if (placed && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      send({ op: "select", slot: placed.dataset.slot });
    }
  });
  return inst;
}

function closeSidebarWhenNarrow() {
  // In a narrow window (≤ 1000 px) the sidebar floats over the page (style.py); it starts
  // closed once per tab so the whole canvas is in view. The user may open it at any time.
  try {
    if (window.innerWidth > 1000 || sessionStorage.getItem("ra-narrow-sidebar")) return;
    sessionStorage.setItem("ra-narrow-sidebar", "closed");
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button) button.click();
  } catch (err) {
    // no sessionStorage (privacy settings): leave the sidebar as it is
  }
}

function acknowledge(inst, ack) {
  // Drop the edits the server has applied (or refused); say why a refused one was reverted.
  if (!ack || ack.epoch !== inst.epoch) return;
  const before = inst.pending.length;
  inst.pending = inst.pending.filter((e) => e.seq > ack.seq);
  const refused = (ack.refused || []).filter((r) => r.seq > (inst.shownRefusal || 0));
  if (refused.length) {
    const last = refused[refused.length - 1];
    inst.shownRefusal = last.seq;
    inst.keepStatus = true;
    inst.setStatus("✖ " + say(inst.data.labels.not_applied, { reason: last.reason }), "error");
  } else if (before && !inst.pending.length) {
    inst.keepStatus = false;
  }
  if (!inst.pending.length) {
    clearTimeout(inst.timer);
    inst.attempts = 0;
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement.querySelector(".ra-canvas");
  if (!host || !data) return undefined;
  let inst = instances.get(host);
  if (!inst || inst.abort.signal.aborted) {
    inst = attach(host);
    instances.set(host, inst);
    closeSidebarWhenNarrow();
  }
  inst.data = data;
  inst.setTriggerValue = setTriggerValue;
  inst.answered = true;
  acknowledge(inst, data.ack);
  render(inst);
  if (inst.pending.some((e) => e.seq > inst.sentUpto)) {
    inst.attempts = 0;
    inst.flush();  // edits made while the last message was in flight
  } else if (inst.pending.length && Date.now() - inst.lastSent > RESEND_MS) {
    // A rerun that did not carry the pending edits (it began before they were sent, or their
    // message was lost): send them again unless they were sent a moment ago.
    inst.flush();
  }
  return () => {
    inst.abort.abort();
    instances.delete(host);
  };
}
