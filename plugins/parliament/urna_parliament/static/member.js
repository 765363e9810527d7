"use strict";
// The member's page: the hall now, from the member's own view (/me/hall.json), fetched again on
// every change the sitting pushes. Words come from the page; choices arrive translated.
const M = urna.messages;
const hall = document.getElementById("hall");

function lines(v) {
  if (!v.on_roster) { return {sitting: M.not_on_roster}; }
  const out = {sitting: v.open ? "" : M.closed};
  if (!v.open) { return out; }
  out.card = urna.format(v.card_in_seat ? M.card_in : M.no_card, {seat: v.seat});
  out.registration = v.registered ? M.registered : (v.registration_open ? M.round_open : M.not_registered);
  const vote = v.vote;
  out.vote = vote ? urna.format(M.vote, {question: vote.question, mode: vote.mode}) : M.no_vote;
  if (vote) {
    if (vote.correction_allowed) { out.choice = M.correction; }
    else if (vote.secret && vote.voted) { out.choice = M.secret_cast; }
    else if (vote.choice) { out.choice = urna.format(M.your_choice, {choice: vote.choice}); }
    else { out.choice = M.not_voted; }
  }
  return out;
}

function show(v) {
  const text = lines(v);
  for (const key of ["sitting", "card", "registration", "vote", "choice"]) {
    const node = document.getElementById(`me-${key}`);
    if (node) { node.textContent = text[key] || ""; node.hidden = !text[key]; }
  }
}

const initial = JSON.parse(document.getElementById("view").textContent);
if (initial) { show(initial); }
urna.follow(hall.dataset.sitting, () => urna.json("/me/hall.json").then(show).catch(() => {}));
