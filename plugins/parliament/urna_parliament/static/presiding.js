"use strict";
// The presiding officer's console: renders the sitting's console view (console.json) on every
// change the hall pushes, and posts the officer's acts. Every control is a native button, field
// or list; each is enabled only when its act applies now. After a re-render the focus returns
// to the control that had it, so the console is worked from the keyboard alone.
const M = urna.messages;
const root = document.getElementById("console");
const sitting = root ? root.dataset.sitting : "";
let view = JSON.parse(document.getElementById("view").textContent);
let timer = null;

const $ = (id) => document.getElementById(id);
const fmt = urna.format;
const num = urna.number;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") { node.className = value; } else if (key in node) { node[key] = value; } else { node.setAttribute(key, value); }
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function enable(id, on) { const node = $(id); if (node) { node.disabled = !on; } }

function button(id, text, label, onClick, on, kind) {
  const node = el("button", {type: "button", id, class: `button small ${kind || "secondary"}`}, text);
  if (label) { node.setAttribute("aria-label", label); }
  node.disabled = !on;
  node.addEventListener("click", (e) => { e.preventDefault(); onClick(); });
  return node;
}

function person(p) { return `${p.name} (${fmt(M.seat, {seat: p.seat})})`; }

function options(select, items, label, value) {
  const chosen = select.value;
  select.replaceChildren(...items.map((item) => el("option", {value: value(item)}, label(item))));
  if (items.some((item) => String(value(item)) === chosen)) { select.value = chosen; }
}

function renderSummary(v) {
  urna.text("present", num(v.present));
  urna.text("quorum", num(v.quorum));
  urna.text("quorum-state", v.quorum_reached ? M.quorum_reached : M.no_quorum);
  urna.text("registration-state", v.registration_open ? fmt(M.round_open, {round: v.rounds}) : (v.rounds ? M.round_closed : M.no_round));
  urna.text("office", fmt(M.office, {in_office: num(v.in_office), membership: num(v.membership), vacant: num(v.vacant)}));
  $("closed-notice").hidden = v.open;
}

function renderAgenda(v, free) {
  $("agenda-empty").hidden = v.agenda.length > 0;
  $("agenda").replaceChildren(...v.agenda.map((item) => {
    const line = el("div", {class: "item-line"}, el("strong", {}, `${item.item}. `), item.line);
    const facts = el("div", {class: "hint"}, `${item.kind} · ${item.rule}`);
    const votes = item.votes.map((vote) => el("div", {class: "hint"},
      `${fmt(M.vote_line, {vote: vote.vote, question: vote.question})} (${vote.mode})${vote.outcome ? `: ${vote.outcome}` : ""}`));
    const badge = item.current ? el("strong", {class: "badge"}, M.current) : null;
    const take = button(`take-up-${item.item}`, M.take_up, fmt(M.take_up_label, {item: item.item}),
      () => act(`/items/${item.item}/take-up`), free && !item.current);
    const li = el("li", {id: `item-${item.item}`, class: item.current ? "current" : ""}, line, facts, ...votes, badge, " ", take);
    if (item.current) { li.setAttribute("aria-current", "step"); }
    return li;
  }));
}

function renderDebate(v) {
  const item = v.agenda.find((i) => i.current);
  urna.text("debate-item", item ? `${item.item}. ${item.line}` : M.no_item);
  clearInterval(timer);
  if (v.speech) {
    urna.text("speaking", fmt(M.speaking, {name: v.speech.speaker}));
    timer = urna.timer("timer", v.speech, M.overtime);
  } else {
    urna.text("speaking", M.nobody);
    urna.text("timer", "");
  }
  enable("speech-end", v.open && Boolean(v.speech));
  const debate = v.debate;
  const queue = debate ? debate.queue : [];
  const order = queue.map((p) => p.member);
  const move = (from, to) => {
    const next = order.slice();
    const [member] = next.splice(from, 1);
    if (to !== null) { next.splice(to, 0, member); }
    act(`/items/${debate.item}/speakers`, {order: next});
  };
  $("queue").className = queue.length ? "queue" : "queue plain";
  $("queue").replaceChildren(...(queue.length ? queue.map((p, i) => el("li", {},
    person(p), debate.requests.includes(p.member) ? el("span", {class: "hint"}, ` · ${M.asked}`) : null, " ",
    button(`queue-floor-${p.member}`, M.floor, fmt(M.floor_label, {name: p.name}),
      () => act("/speeches", {item: debate.item, speaker: p.member}), v.open && !v.speech && !v.vote, "primary"), " ",
    button(`queue-up-${p.member}`, M.up, fmt(M.up_label, {name: p.name}), () => move(i, i - 1), v.open && i > 0), " ",
    button(`queue-down-${p.member}`, M.down, fmt(M.down_label, {name: p.name}), () => move(i, i + 1), v.open && i < queue.length - 1), " ",
    button(`queue-remove-${p.member}`, M.remove, fmt(M.remove_label, {name: p.name}), () => move(i, null), v.open),
  )) : [el("li", {class: "hint"}, M.queue_empty)]));
  const candidates = v.members.filter((p) => !order.includes(p.member));
  options($("speaker-member"), candidates, person, (p) => p.member);
  enable("speaker-member", v.open && Boolean(debate) && candidates.length > 0);
  enable("speaker-add", v.open && Boolean(debate) && candidates.length > 0);
}

function renderVote(v) {
  const vote = v.vote;
  const item = v.agenda.find((i) => i.current);
  const free = v.open && !vote;
  urna.text("vote-item", item ? `${item.item}. ${item.line}` : M.no_item);
  urna.text("vote-rule", item ? item.rule : M.none);
  for (const radio of document.querySelectorAll("input[name=mode]")) {
    radio.disabled = !(free && item) || (radio.value === "secret" && !v.secret.ready);
    if (radio.checked && radio.disabled && radio.value === "secret") { $("vote-mode-named").checked = true; }
  }
  urna.text("secret-hint", v.secret.ready ? "" : M.secret_not_ready);
  enable("vote-question", free && Boolean(item));
  enable("vote-open", free && Boolean(item) && v.quorum_reached);
  $("vote-panel").hidden = !vote;
  urna.text("vote-state", vote ? `${fmt(M.vote_line, {vote: vote.vote, question: vote.question})} · ${vote.mode_word} · ${vote.rule}` : M.none);
  const counting = v.secret.counting;
  let progress = "";
  if (vote) {
    progress = fmt(M.voted, {voted: num(vote.voted), present: num(vote.present)});
    if (counting && counting.voting_ended) { progress = fmt(M.counting, {shares: num(counting.shares), needed: num(counting.needed)}); }
  }
  urna.text("vote-progress", progress);
  $("not-voted").replaceChildren(...(vote ? (vote.not_voted.length ? vote.not_voted.map((p) => el("li", {}, person(p))) : [el("li", {class: "hint"}, M.all_voted)]) : []));
  const secret = Boolean(vote) && vote.mode === "secret";
  enable("vote-end", v.open && secret && !(counting && counting.voting_ended));
  enable("vote-close", v.open && Boolean(vote) && (!secret || (counting && counting.voting_ended && counting.shares >= counting.needed)));
  const correctable = vote ? vote.correctable : [];
  options($("correction-member"), correctable, person, (p) => p.member);
  const correcting = v.open && correctable.length > 0;
  for (const id of ["correction-member", "correction-reason", "correction-allow"]) { enable(id, correcting); }
  urna.text("corrections-allowed", vote && vote.corrections_allowed.length ? vote.corrections_allowed.map(person).join(", ") : "");
  options($("revote-vote"), v.repeatable, (r) => fmt(M.repeat_option, {vote: r.vote, question: r.question}), (r) => r.vote);
  const repeating = free && v.repeatable.length > 0;
  for (const id of ["revote-vote", "revote-reason", "revote"]) { enable(id, repeating); }
}

function renderResult(v) {
  const r = v.result;
  $("result-table").hidden = !r;
  urna.text("result-line", r ? fmt(M.result_line, {vote: r.vote, question: r.question, mode: r.mode}) : M.none);
  $("result-head").replaceChildren(...(r ? r.figures.map((f) => el("th", {scope: "col", class: "num"}, f.label)) : []));
  $("result-row").replaceChildren(...(r ? r.figures.map((f) => el("td", {id: `r-${f.key}`, class: "num"}, num(f.value))) : []));
  urna.text("result-outcome", r ? r.outcome_word : "");
  $("result-outcome").className = r ? `outcome status ${r.outcome}` : "outcome";
}

function renderSecret(v) {
  $("secret-pending").replaceChildren(...v.secret.pending.map((p) => el("li", {}, fmt(M.pending, {
    scope: p.scope, names: p.commission.map((c) => c.name).join(", "), quorum: num(p.quorum),
    keyed: num(p.keyed), total: num(p.commission.length), confirmed: num(p.confirmed),
  }))));
  const box = $("secret-members");
  const ids = v.members.map((p) => p.member).join(",");
  if (box.dataset.ids !== ids) {
    const checked = new Set([...box.querySelectorAll("input:checked")].map((c) => c.value));
    box.replaceChildren(...v.members.map((p) => el("div", {class: "check"},
      el("input", {type: "checkbox", id: `commission-${p.member}`, value: p.member, checked: checked.has(p.member)}),
      el("label", {htmlFor: `commission-${p.member}`}, person(p)))));
    box.dataset.ids = ids;
  }
  for (const input of box.querySelectorAll("input")) { input.disabled = !v.open; }
  enable("secret-quorum", v.open && v.members.length > 0);
  enable("secret-prepare", v.open && v.members.length > 0);
}

function render(v) {
  view = v;
  const focused = document.activeElement && document.activeElement.id;
  renderSummary(v);
  renderAgenda(v, v.open && !v.vote);
  renderDebate(v);
  renderVote(v);
  renderResult(v);
  renderSecret(v);
  enable("registration-open", v.open && !v.registration_open && !v.vote);
  enable("registration-close", v.open && v.registration_open);
  enable("sitting-close", v.open && !v.vote && !v.registration_open);
  const again = focused && $(focused);
  if (again && again !== document.activeElement) { again.focus(); }
  document.body.dataset.seq = v.seq;
}

function status(text, refused) {
  const box = $("status");
  box.hidden = !text;
  box.className = refused ? "notice bad" : "notice ok";
  box.replaceChildren();
  if (refused) {
    box.append(`${M.refused} `, el("span", {lang: "en"}, text));  // the API's detail is for operators, in English
  } else {
    box.textContent = text;
  }
}

async function refresh() {
  try { render(await urna.json(`/sittings/${sitting}/console.json`)); } catch (error) { status(error.message, true); }
}

async function act(path, body) {
  status("");
  try {
    const answer = await urna.post(`/sittings/${sitting}${path}`, body);
    status(M.done, false);
    await refresh();
    return answer;
  } catch (error) {
    status(error.message, true);
    return null;
  }
}

function on(id, event, handler) {
  const node = $(id);
  if (node) { node.addEventListener(event, (e) => { e.preventDefault(); handler(); }); }
}

const value = (id) => $(id).value;
const mode = () => (document.querySelector("input[name=mode]:checked") || {}).value || "named";
on("registration-open", "click", () => act("/registration", {action: "open"}));
on("registration-close", "click", () => act("/registration", {action: "close"}));
on("speech-end", "click", () => view.speech && act(`/speeches/${view.speech.speech}/end`));
on("speaker-form", "submit", () => view.debate && act(`/items/${view.debate.item}/speakers`, {
  order: [...view.debate.queue.map((p) => p.member), value("speaker-member")],
}));
on("vote-form", "submit", () => act("/votes", {item: view.current_item, mode: mode(), question: value("vote-question")}));
on("vote-end", "click", () => view.vote && act(`/votes/${view.vote.vote}/end-voting`));
on("vote-close", "click", () => view.vote && act(`/votes/${view.vote.vote}/close`));
on("correction-form", "submit", () => view.vote && act(`/votes/${view.vote.vote}/corrections`, {
  member: value("correction-member"), reason: value("correction-reason"),
}).then((done) => { if (done) { $("correction-reason").value = ""; } }));
on("revote-form", "submit", () => {
  const earlier = view.repeatable.find((r) => String(r.vote) === value("revote-vote"));
  return earlier && act("/votes", {
    item: earlier.item, mode: earlier.mode === "secret" ? "secret" : earlier.mode, question: earlier.question,
    repeats: earlier.vote, reason: value("revote-reason"),
  }).then((done) => { if (done) { $("revote-reason").value = ""; } });
});
on("secret-form", "submit", () => act("/secret-votes", {
  commission: [...document.querySelectorAll("#secret-members input:checked")].map((c) => c.value),
  quorum: Number(value("secret-quorum")),
}));
on("sitting-close", "click", () => act("/close"));

if (sitting) {
  render(view);
  urna.follow(sitting, refresh);
  // The ballot box's count (the commission's shares) does not pass through the hall: look again.
  setInterval(() => { if (view.secret.counting || view.secret.pending.length) { refresh(); } }, 3000);
}
