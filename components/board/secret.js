// The board's per-browser participant secret: kept in this browser's localStorage, reported
// once per mount as the state value "secret". It never leaves the page except to the server.
const KEY = "resattn.board.secret";

function fresh() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export default function (component) {
  const { setStateValue } = component;
  let secret = null;
  try {
    secret = window.localStorage.getItem(KEY);
    if (!secret || !/^[A-Za-z0-9_-]{16,128}$/.test(secret)) {
      secret = fresh();
      window.localStorage.setItem(KEY, secret);
    }
  } catch (err) {
    secret = null; // storage blocked: the server falls back to a per-session secret
  }
  if (secret) setStateValue("secret", secret);
  return undefined;
}
