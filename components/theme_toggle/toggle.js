// ResAttn Studio colour toggle (Streamlit custom component v2; no build step).
// One button that cycles auto → light → dark: auto follows the browser's light / dark preference
// (the default); light and dark fix it. The choice is Streamlit's own theme (its widgets), kept
// where Streamlit keeps it (localStorage), and the canvas and the diagram viewer follow it through
// the theme's colours. After a change the trigger value "theme" reruns the page, so that the
// Graphviz picture is drawn in the new colours.

const STORED = { auto: "System", light: "Light", dark: "Dark" }; // Streamlit's stored names
const FROM_STORED = { System: "auto", Light: "light", Dark: "dark" };
// the names of the themes Streamlit offers when .streamlit/config.toml defines both palettes
const THEMES = {
  auto: ["Custom Theme Auto", "Use system setting"],
  light: ["Custom Theme Light", "Light"],
  dark: ["Custom Theme Dark", "Dark"],
};
const instances = new WeakMap();

function storageKey() {
  return `stActiveTheme-${window.location.pathname}-v2`;
}

function current() {
  try {
    return FROM_STORED[JSON.parse(window.localStorage.getItem(storageKey()))] || "auto";
  } catch (err) {
    return "auto";
  }
}

// Streamlit's theme context (the value its settings dialog uses to switch themes), found from the
// app's root element; null when it cannot be found (then the choice is stored and the page
// reloads, which Streamlit reads at start).
function themeContext() {
  const app = document.querySelector('[data-testid="stApp"]');
  const key = app && Object.keys(app).find((k) => k.startsWith("__reactFiber$"));
  for (let fiber = key ? app[key] : null; fiber; fiber = fiber.return) {
    const value = fiber.memoizedProps && fiber.memoizedProps.value;
    if (value && typeof value.setTheme === "function" && Array.isArray(value.availableThemes)) {
      return value;
    }
  }
  return null;
}

function apply(mode) {
  const ctx = themeContext();
  const theme = ctx && ctx.availableThemes.find((t) => THEMES[mode].includes(t.name));
  if (theme) {
    ctx.setTheme(theme); // Streamlit stores the choice itself
    return true;
  }
  window.localStorage.setItem(storageKey(), JSON.stringify(STORED[mode]));
  window.location.reload();
  return false;
}

const ORDER = ["auto", "light", "dark"];
const ICONS = { auto: "◐", light: "☀", dark: "☾" };

function next(mode) {
  return ORDER[(ORDER.indexOf(mode) + 1) % ORDER.length];
}

function show(inst) {
  const mode = current();
  const host = inst.host;
  host.dataset.mode = mode;
  host.querySelector(".ra-theme-icon").textContent = ICONS[mode];
  // e.g. "Colours: follow the browser — click for light"
  const label = (inst.labels.next || "{now} — click for {next}")
    .replace("{now}", inst.labels[mode] || mode)
    .replace("{next}", inst.labels[`to_${next(mode)}`] || next(mode));
  host.setAttribute("aria-label", label);
  host.title = label;
}

function attach(host) {
  const abort = new AbortController();
  const inst = { host, abort, labels: {}, setTriggerValue: null };
  // The page reruns once the new theme is in place (st.context.theme reads it) — and after the
  // other components, drawn again in the new colours, have reported their state: one batch of
  // updates from two fragments would rerun only one of them (maybe not this one).
  const rerun = () => setTimeout(() => {
    if (inst.setTriggerValue) inst.setTriggerValue("theme", { mode: current(), at: Date.now() });
  }, 600);
  host.addEventListener("click", () => {
    if (apply(next(current()))) {
      show(inst);
      rerun();
    }
  }, { signal: abort.signal });
  // Auto: the browser's preference changed (e.g. the system went dark at night)
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (current() === "auto") rerun();
  }, { signal: abort.signal });
  return inst;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement.querySelector(".ra-theme");
  if (!host) return undefined;
  let inst = instances.get(host);
  if (!inst || inst.abort.signal.aborted) {
    inst = attach(host);
    instances.set(host, inst);
  }
  inst.labels = data || {};
  inst.setTriggerValue = setTriggerValue;
  show(inst);
  return () => {
    inst.abort.abort();
    instances.delete(host);
  };
}
