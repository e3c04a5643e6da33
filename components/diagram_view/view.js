// ResAttn Studio diagram viewer (Streamlit custom component v2; no build step).
// Pan by dragging (or scrolling), zoom with the buttons or Ctrl + wheel; a click on a node reports
// setTriggerValue("click", {node, stage}).

const PT = 4 / 3; // CSS px per SVG pt
const MIN_FONT_PT = 12; // the smallest label the renderer writes
const MIN_ZOOM = 12.1 / (MIN_FONT_PT * PT); // never below 12 px text (a margin for rounding)
const MAX_ZOOM = 3;
const instances = new WeakMap();

function naturalSize(svg) {
  const box = svg.viewBox && svg.viewBox.baseVal;
  if (box && box.width) return { w: box.width * PT, h: box.height * PT };
  return { w: parseFloat(svg.getAttribute("width")) * PT, h: parseFloat(svg.getAttribute("height")) * PT };
}

function attach(host) {
  const abort = new AbortController();
  const opts = { signal: abort.signal };
  const port = host.querySelector(".ra-dview-port");
  const label = host.querySelector(".ra-dview-zoom");
  const inst = { host, abort, port, zoom: 1, svgText: null, size: null, setTriggerValue: null, drag: null };

  inst.apply = (zoom) => {
    const svg = port.querySelector("svg");
    if (!svg || !inst.size) return;
    inst.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    svg.setAttribute("width", `${inst.size.w * inst.zoom}px`);
    svg.setAttribute("height", `${inst.size.h * inst.zoom}px`);
    label.textContent = `${Math.round(inst.zoom * 100)} %`;
  };
  inst.fit = () => {
    if (!inst.size) return;
    const width = Math.max(200, port.clientWidth - 16);
    inst.apply(Math.min(1, width / inst.size.w));
  };

  host.querySelector(".ra-dview-bar").addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-zoom]");
    if (!button) return;
    const what = button.dataset.zoom;
    if (what === "in") inst.apply(inst.zoom * 1.25);
    else if (what === "out") inst.apply(inst.zoom / 1.25);
    else if (what === "one") inst.apply(1);
    else inst.fit();
  }, opts);

  port.addEventListener("wheel", (ev) => {
    if (!ev.ctrlKey && !ev.metaKey) return; // plain wheel scrolls (pans)
    ev.preventDefault();
    inst.apply(inst.zoom * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
  }, { ...opts, passive: false });

  port.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    inst.drag = { x: ev.clientX, y: ev.clientY, left: port.scrollLeft, top: port.scrollTop, moved: false };
  }, opts);
  port.addEventListener("pointermove", (ev) => {
    const d = inst.drag;
    if (!d) return;
    const dx = ev.clientX - d.x;
    const dy = ev.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    d.moved = true;
    port.classList.add("ra-dragging");
    port.scrollLeft = d.left - dx;
    port.scrollTop = d.top - dy;
  }, opts);
  const end = (ev) => {
    const d = inst.drag;
    inst.drag = null;
    port.classList.remove("ra-dragging");
    if (!d || d.moved || ev.type !== "pointerup") return;
    const node = ev.target.closest && ev.target.closest("g.node");
    if (!node || !inst.setTriggerValue) return;
    const match = /^ra-s(\d+)-/.exec(node.id || "");
    const title = node.querySelector("title");
    inst.setTriggerValue("click", {
      node: title ? title.textContent : node.id,
      stage: match ? Number(match[1]) : null,
    });
  };
  port.addEventListener("pointerup", end, opts);
  port.addEventListener("pointercancel", end, opts);
  port.addEventListener("pointerleave", end, opts);
  port.addEventListener("keydown", (ev) => {
    if (ev.key === "+" || ev.key === "=") inst.apply(inst.zoom * 1.25);
    else if (ev.key === "-") inst.apply(inst.zoom / 1.25);
    else if (ev.key === "0") inst.fit();
  }, opts);
  return inst;
}

function label(inst, L) {
  // The viewer's words, in the page's language (diagram_view/__init__.py `labels()`).
  if (!L) return;
  const host = inst.host;
  host.setAttribute("aria-label", L.viewer);
  const button = (what) => host.querySelector(`button[data-zoom="${what}"]`);
  button("out").setAttribute("aria-label", L.zoom_out);
  button("out").title = L.zoom_out;
  button("in").setAttribute("aria-label", L.zoom_in);
  button("in").title = L.zoom_in;
  button("fit").textContent = L.fit;
  button("fit").title = L.fit_help;
  button("one").title = L.one;
}

function render(inst, data) {
  label(inst, data.labels);
  inst.host.querySelector(".ra-dview-hint").textContent = data.hint || "";
  if (data.svg === inst.svgText) return;
  const first = inst.svgText === null;
  inst.svgText = data.svg;
  const doc = new DOMParser().parseFromString(data.svg, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return;
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  inst.port.replaceChildren(document.importNode(svg, true));
  const shown = inst.port.querySelector("svg");
  shown.setAttribute("role", "img");
  shown.setAttribute("aria-label", data.label || (data.labels && data.labels.diagram) || "diagram");
  inst.size = naturalSize(shown);
  inst.apply(inst.zoom); // an expanded stage keeps the user's zoom
  if (first) requestAnimationFrame(() => inst.fit());
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement.querySelector(".ra-dview");
  if (!host || !data) return undefined;
  let inst = instances.get(host);
  if (!inst || inst.abort.signal.aborted) {
    inst = attach(host);
    instances.set(host, inst);
  }
  inst.setTriggerValue = setTriggerValue;
  render(inst, data);
  return () => {
    inst.abort.abort();
    instances.delete(host);
  };
}
