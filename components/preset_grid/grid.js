// ResAttn Studio presets gallery (Streamlit custom component v2; no build step).
// Draws the family presets and the patterns × attention kinds grid as plain buttons, every word
// from the data Python sends in the page's language (components/sidebar.py, gallery_data). A
// click sends the trigger value "pick": {name, n} — n counts this page's clicks, so two clicks
// on one preset are two picks.

const instances = new WeakMap();
let clicks = 0; // per page: the module is loaded once

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function presetButton(inst, cell, className) {
  const button = el("button", className, cell.label);
  button.type = "button";
  button.dataset.preset = cell.name;
  button.title = cell.title;
  // a grid cell says only its pattern ("P1"): its name for a screen reader is its whole title
  if (className === "ra-pick") button.setAttribute("aria-label", cell.title);
  button.addEventListener("click", () => {
    clicks += 1;
    if (inst.setTriggerValue) inst.setTriggerValue("pick", { name: cell.name, n: clicks });
  }, { signal: inst.abort.signal });
  return button;
}

function draw(inst, data) {
  const host = inst.host;
  const labels = data.labels || {};
  host.replaceChildren();
  host.setAttribute("aria-label", labels.gallery || "");

  host.append(el("div", "ra-gallery-caption", labels.families || ""));
  const families = el("div", "ra-families");
  for (const cell of data.families || []) families.append(presetButton(inst, cell, "ra-family"));
  host.append(families);

  const table = el("table", "ra-grid");
  table.append(el("caption", "ra-gallery-caption", labels.grid || ""));
  const head = el("tr");
  head.append(el("td", "ra-corner"));
  for (const column of data.columns || []) {
    const th = el("th", "ra-col-head", column.label);
    th.scope = "col";
    th.title = column.title;
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  for (const row of data.rows || []) {
    const tr = el("tr");
    const th = el("th", "ra-row-head", row.label);
    th.scope = "row";
    th.title = row.title;
    tr.append(th);
    for (const cell of row.cells || []) {
      const td = el("td", "ra-cell");
      if (cell) td.append(presetButton(inst, cell, "ra-pick"));
      tr.append(td);
    }
    body.append(tr);
  }
  table.append(body);
  host.append(table);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement.querySelector(".ra-gallery");
  if (!host || !data) return undefined;
  let inst = instances.get(host);
  if (!inst || inst.abort.signal.aborted) {
    inst = { host, abort: new AbortController(), drawn: null, setTriggerValue: null };
    instances.set(host, inst);
  }
  inst.setTriggerValue = setTriggerValue;
  // A rerun sends the same data again: the buttons stay (and the focused one keeps the focus).
  const signature = JSON.stringify(data);
  if (signature !== inst.drawn) {
    draw(inst, data);
    inst.drawn = signature;
  }
  return () => {
    inst.abort.abort();
    instances.delete(host);
  };
}
