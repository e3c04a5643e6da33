// ResAttn Studio stage table (Streamlit custom component v2; no build step).
// Draws a network's stages as an HTML table, every word from the data Python sends in the
// page's language (components/network.py, table_data). An editable cell is a number box: a value
// committed there (Enter, or leaving the box) sends the trigger value "edit":
// {row, column, value}. Python checks it against the schema and applies or refuses it; either
// way the rerun's data (its "rev" counts edit attempts) redraws the table from the design.

const instances = new WeakMap();

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function numberBox(inst, value, spec, row, column) {
  const input = el("input");
  input.type = "number";
  input.step = "1";
  input.min = String(spec.min);
  input.max = String(spec.max);
  input.value = String(value);
  input.dataset.row = String(row);
  input.dataset.column = String(column);
  input.setAttribute("aria-label", `${spec.title} · ${row + 1}`);
  const commit = () => {
    const typed = input.value.trim();
    if (typed === "" || Number(typed) === value) {
      input.value = String(value); // nothing to send: show the design's value again
      return;
    }
    if (inst.setTriggerValue) inst.setTriggerValue("edit", { row, column, value: Number(typed) });
  };
  input.addEventListener("change", commit, { signal: inst.abort.signal });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") input.blur(); // blurring commits ("change")
    if (event.key === "Escape") { input.value = String(value); input.blur(); }
  }, { signal: inst.abort.signal });
  return input;
}

function draw(inst, data) {
  const columns = data.columns || [];
  const table = el("table");
  table.setAttribute("aria-label", data.label || "");
  const head = el("tr");
  for (const column of columns) {
    const th = el("th", null, column.title);
    th.scope = "col";
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  (data.rows || []).forEach((cells, row) => {
    const tr = el("tr");
    cells.forEach((value, column) => {
      const spec = columns[column] || {};
      const numeric = typeof value === "number";
      const td = el("td", spec.min !== undefined ? "ra-edit" : numeric ? "ra-num" : null);
      if (spec.min !== undefined) td.append(numberBox(inst, value, spec, row, column));
      else td.textContent = String(value);
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
  // the box that had the focus keeps it across a redraw (the design changed under it)
  const active = inst.host.contains(document.activeElement) ? document.activeElement : null;
  const where = active && active.dataset ? [active.dataset.row, active.dataset.column] : null;
  inst.host.replaceChildren(table);
  if (where) {
    const again = inst.host.querySelector(`input[data-row="${where[0]}"][data-column="${where[1]}"]`);
    if (again) again.focus();
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement.querySelector(".ra-stages");
  if (!host || !data) return undefined;
  let inst = instances.get(host);
  if (!inst || inst.abort.signal.aborted) {
    inst = { host, abort: new AbortController(), drawn: null, setTriggerValue: null };
    instances.set(host, inst);
  }
  inst.setTriggerValue = setTriggerValue;
  // A rerun sends the same data again: the table stays (and a box being typed in keeps its text).
  // Every edit attempt changes the data's "rev", so a refused value is replaced by the design's.
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
