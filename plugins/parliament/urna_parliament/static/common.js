"use strict";
// Shared by the hall, presiding and member pages: no framework, no CDN. Every word a
// person reads comes from the page (<script type="application/json" id="messages">).
const urna = {
  base: "/p/parliament",
  messages: JSON.parse(document.getElementById("messages").textContent),
  language: document.documentElement.lang,
  csrf: (document.querySelector("meta[name=csrf-token]") || {}).content || "",
  // "Vote {vote}: {question}" with {vote: 3, question: "..."}.
  format(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  },
  number(value) { return new Intl.NumberFormat(urna.language).format(value); },
  async json(path, options = {}) {
    const response = await fetch(urna.base + path, Object.assign({credentials: "same-origin"}, options));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { throw new Error(body.error || response.statusText); }
    return body;
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
  // The speaking timer of a speech ({started, limit_seconds}) in element ``id``: time left,
  // then "+m:ss <overtime>"; answers the interval to clear when the speech changes.
  timer(id, speech, overtime) {
    const started = Date.parse(speech.started);
    const tick = () => {
      const left = speech.limit_seconds - Math.floor((Date.now() - started) / 1000);
      const clock = `${Math.floor(Math.abs(left) / 60)}:${String(Math.abs(left) % 60).padStart(2, "0")}`;
      urna.text(id, left < 0 ? `+${clock} ${overtime}` : clock);
    };
    tick();
    return setInterval(tick, 1000);
  },
  follow(sitting, onState, onStatus) {
    // Server-sent events of the page's sitting; the browser reconnects by itself after "retry".
    if (!sitting) {
      // No sitting yet: look again every ten seconds and show it once one opens.
      setInterval(() => urna.json("/sittings/current").then(() => location.reload()).catch(() => {}), 10000);
      return;
    }
    const source = new EventSource(`${urna.base}/sittings/${sitting}/events`);
    source.onmessage = (message) => onState(JSON.parse(message.data));
    source.onopen = () => onStatus && onStatus(true);
    source.onerror = () => onStatus && onStatus(false);
  },
};
