"use strict";
// The presiding officer's console: follows the sitting live and posts the officer's acts.
const M = urna.messages;
const sitting = document.getElementById("console").dataset.sitting;
let current = null;

function enable(ids, on) {
  for (const id of ids) { const el = document.getElementById(id); if (el) { el.disabled = !on; } }
}

function show(state) {
  current = state;
  urna.text("present", urna.number(state.present));
  urna.text("quorum", urna.number(state.quorum));
  urna.text("registration-state", state.registration_open ? M.registration_open : M.registration_closed);
  const vote = state.vote;
  urna.text("vote-state", vote ? urna.format(M.vote, {
    vote: vote.vote, question: vote.question, voted: urna.number(vote.voted_count), present: urna.number(vote.present),
  }) : M.none);
  const r = state.result;
  urna.text("result", r ? urna.format(M.result, {
    vote: r.vote, question: r.question, for: urna.number(r.for), against: urna.number(r.against),
    abstain: urna.number(r.abstain), not_voting: urna.number(r.not_voting), absent: urna.number(r.absent),
    outcome: M.outcomes[r.outcome],
  }) : M.none);
  const open = state.open;
  enable(["registration-open"], open && !state.registration_open);
  enable(["registration-close"], open && state.registration_open);
  enable(["take-up-item", "take-up", "vote-item", "vote-mode", "vote-question", "vote-open"], open && !vote);
  enable(["vote-close", "correction-member", "correction-reason", "correction-allow"], open && Boolean(vote));
  document.body.dataset.seq = state.seq;
}

function status(text, refused) {
  const box = document.getElementById("status");
  box.hidden = !text;
  box.className = refused ? "notice bad" : "notice ok";
  box.replaceChildren();
  if (refused) {
    const detail = document.createElement("span");
    detail.lang = "en";  // the API's detail is written for operators, in English
    detail.textContent = text;
    box.append(`${M.refused} `, detail);
  } else {
    box.textContent = text;
  }
}

async function act(path, body) {
  status("");
  try {
    const answer = await urna.post(`/sittings/${sitting}${path}`, body);
    status(M.done, false);
    return answer;
  } catch (error) {
    status(error.message, true);
    return null;
  }
}

function on(id, event, handler) {
  const el = document.getElementById(id);
  if (el) { el.addEventListener(event, (e) => { e.preventDefault(); handler(); }); }
}

const value = (id) => document.getElementById(id).value;
on("registration-open", "click", () => act("/registration", {action: "open"}));
on("registration-close", "click", () => act("/registration", {action: "close"}));
on("take-up-form", "submit", () => act(`/items/${value("take-up-item")}/take-up`));
on("vote-form", "submit", () => act("/votes", {item: Number(value("vote-item")), mode: value("vote-mode"), question: value("vote-question")}));
on("vote-close", "click", () => current && current.vote && act(`/votes/${current.vote.vote}/close`));
on("correction-form", "submit", () => current && current.vote && act(`/votes/${current.vote.vote}/corrections`, {
  member: value("correction-member"), reason: value("correction-reason"),
}));

urna.follow(sitting, show);
