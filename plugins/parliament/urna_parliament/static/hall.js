"use strict";
const M = urna.messages;
const FIGURES = ["for", "against", "abstain", "not_voting", "absent", "vacant", "threshold"];
let timer = null;

function renderSeats(state) {
  const seats = document.getElementById("seats");
  const voted = new Set(state.vote ? state.vote.voted : []);
  const named = state.result && !state.vote ? (state.result.named || {}) : {};
  const numbers = Object.keys(state.seats).map(Number).sort((a, b) => a - b);
  if (seats.childElementCount !== numbers.length) {
    seats.replaceChildren(...numbers.map((n) => {
      const cell = document.createElement("span");
      cell.id = `seat-${n}`;
      cell.textContent = n;
      return cell;
    }));
  }
  for (const n of numbers) {
    const seat = state.seats[n];
    if (seat.vacant) {
      const cell = document.getElementById(`seat-${n}`);
      cell.className = "seat vacant";
      cell.title = M.vacant;
      continue;
    }
    const classes = ["seat"];
    if (seat.card) { classes.push("card"); }
    if (seat.present) { classes.push("present"); }
    if (voted.has(seat.member)) { classes.push("voted"); }
    if (named[seat.member]) { classes.push(`choice-${named[seat.member]}`); }
    const cell = document.getElementById(`seat-${n}`);
    cell.className = classes.join(" ");
    cell.title = seat.name;
  }
}

function itemLine(item) {
  const title = item.draft_number
    ? `${item.title} (${urna.format(M.draft, {number: item.draft_number, reading: item.reading})})`
    : item.title;
  return urna.format(M.item, {item: item.item, title});
}

function render(state) {
  urna.text("present", urna.number(state.present));
  urna.text("quorum", urna.number(state.quorum));
  document.getElementById("presence").className = state.quorum_reached ? "presence ok" : "presence low";
  const item = state.item;
  urna.text("item-title", item ? itemLine(item) : M.none);
  urna.text("item-queue", item && item.queue.length ? urna.format(M.queue, {names: item.queue.join(", ")}) : "");
  clearInterval(timer);
  if (state.speech) {
    urna.text("speaker", state.speech.speaker);
    timer = urna.timer("timer", state.speech, M.overtime);
  } else {
    urna.text("speaker", M.none);
    urna.text("timer", "");
  }
  const vote = state.vote;
  urna.text("vote-question", vote ? urna.format(M.vote, {vote: vote.vote, question: vote.question}) : M.none);
  urna.text("vote-mode", vote ? `${M.modes[vote.mode] || vote.mode} · ${M.rules[vote.rule_name] || vote.rule_name}` : "");
  urna.text("vote-progress", vote ? urna.format(M.voted, {voted: urna.number(vote.voted_count), present: urna.number(vote.present)}) : "");
  document.getElementById("vote").className = vote ? "panel active" : "panel";
  const result = state.result;
  urna.text("result-question", result ? urna.format(M.vote, {vote: result.vote, question: result.question}) : M.none);
  for (const key of FIGURES) {
    urna.text(`r-${key}`, result ? urna.number(result[key]) : "–");
  }
  urna.text("result-outcome", result ? M.outcomes[result.outcome] : "");
  document.getElementById("result-outcome").className = result ? `outcome status ${result.outcome}` : "outcome";
  document.body.dataset.seq = state.seq;
  renderSeats(state);
}

urna.follow(document.getElementById("hall").dataset.sitting, render,
  (ok) => urna.text("connection", ok ? M.connected : M.disconnected));
