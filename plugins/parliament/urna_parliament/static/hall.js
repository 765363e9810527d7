"use strict";
const OUTCOME = {adopted: "QƏBUL EDİLDİ", rejected: "QƏBUL EDİLMƏDİ"};
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

function render(state) {
  urna.text("title", `Plenar iclas № ${state.protocol} — ${state.date}`);
  urna.text("present", state.present);
  urna.text("quorum", state.quorum);
  document.getElementById("presence").className = state.quorum_reached ? "presence ok" : "presence low";
  const item = state.item;
  urna.text("item-title", item ? `${item.item}. ${item.title}${item.draft_number ? ` (№ ${item.draft_number}, ${item.reading} oxunuş)` : ""}` : "—");
  urna.text("item-queue", item && item.queue.length ? `Növbə: ${item.queue.join(", ")}` : "");
  clearInterval(timer);
  if (state.speech) {
    urna.text("speaker", state.speech.speaker);
    const started = Date.parse(state.speech.started);
    const tick = () => {
      const left = state.speech.limit_seconds - Math.floor((Date.now() - started) / 1000);
      urna.text("timer", `${Math.floor(Math.abs(left) / 60)}:${String(Math.abs(left) % 60).padStart(2, "0")}${left < 0 ? " +" : ""}`);
    };
    tick();
    timer = setInterval(tick, 1000);
  } else {
    urna.text("speaker", "—");
    urna.text("timer", "");
  }
  const vote = state.vote;
  urna.text("vote-question", vote ? `${vote.vote}. ${vote.question} (${vote.rule})` : "—");
  urna.text("vote-progress", vote ? `Səs verib: ${vote.voted_count} / ${vote.present}` : "");
  document.getElementById("vote").className = vote ? "vote active" : "vote";
  const result = state.result;
  urna.text("result-question", result ? `${result.vote}. ${result.question}` : "—");
  for (const key of ["for", "against", "abstain", "not_voting", "absent", "threshold"]) {
    urna.text(`r-${key}`, result ? result[key] : "–");
  }
  urna.text("result-outcome", result ? OUTCOME[result.outcome] : "");
  document.getElementById("result-outcome").className = result ? `outcome ${result.outcome}` : "outcome";
  document.body.dataset.seq = state.seq;
  renderSeats(state);
}

urna.follow(render, (ok) => urna.text("connection", ok ? "●" : "○ bağlantı yoxdur"));
