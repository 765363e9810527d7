"use strict";
// Shared by the hall, presiding and member pages: no framework, no CDN.
const urna = {
  base: "/p/parliament",
  csrf: "",
  async json(path, options = {}) {
    const response = await fetch(urna.base + path, Object.assign({credentials: "same-origin"}, options));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { throw new Error(body.error || response.statusText); }
    return body;
  },
  async signIn() {
    const response = await fetch("/-/me", {credentials: "same-origin"});
    if (!response.ok) { throw new Error("sign in first"); }
    const me = await response.json();
    urna.csrf = me.csrf_token || "";
    return me;
  },
  post(path, body) {
    const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
    return urna.json(path, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": urna.csrf, "Idempotency-Key": key},
      body: JSON.stringify(body || {}),
    });
  },
  text(id, value) { const el = document.getElementById(id); if (el) { el.textContent = value; } },
  follow(onState, onStatus) {
    // Server-sent events; the browser reconnects by itself after "retry".
    urna.json("/sittings/current").then(({sitting}) => {
      const source = new EventSource(`${urna.base}/sittings/${sitting}/events`);
      source.onmessage = (message) => onState(JSON.parse(message.data));
      source.onopen = () => onStatus && onStatus(true);
      source.onerror = () => onStatus && onStatus(false);
    }).catch((error) => onStatus && onStatus(false, error));
  },
};
