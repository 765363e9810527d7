"use strict";
let current = null;

function show(state) {
  current = state;
  urna.text("sitting", state.protocol);
  urna.text("present", state.present);
  urna.text("quorum", state.quorum);
  urna.text("registration-state", state.registration_open ? "(qeydiyyat gedir)" : "");
  urna.text("vote-state", state.vote ? `Səsvermə ${state.vote.vote}: ${state.vote.question} — səs verib ${state.vote.voted_count} / ${state.vote.present}` : "—");
  const r = state.result;
  urna.text("result", r ? `${r.vote}. ${r.question}: lehinə ${r.for}, əleyhinə ${r.against}, bitərəf ${r.abstain}, səs verməyib ${r.not_voting}, iştirak etmir ${r.absent} — ${r.outcome === "adopted" ? "QƏBUL EDİLDİ" : "QƏBUL EDİLMƏDİ"}` : "—");
  document.body.dataset.seq = state.seq;
}

async function act(path, body) {
  urna.text("error", "");
  try { return await urna.post(`/sittings/${current.sitting}${path}`, body); }
  catch (error) { urna.text("error", error.message); return null; }
}

function on(id, event, handler) {
  document.getElementById(id).addEventListener(event, (e) => { e.preventDefault(); handler(); });
}

async function loadItems() {
  if (!current) { return; }
  const minutes = await urna.json(`/sittings/${current.sitting}/minutes.json`);
  document.getElementById("items").replaceChildren(...minutes.agenda.map((item) => {
    const li = document.createElement("li");
    li.textContent = `${item.title}${item.draft_number ? ` (№ ${item.draft_number}, ${item.reading})` : ""}`;
    return li;
  }));
}

on("registration-open", "click", () => act("/registration", {action: "open"}));
on("registration-close", "click", () => act("/registration", {action: "close"}));
on("take-up-form", "submit", () => act(`/items/${document.getElementById("take-up-item").value}/take-up`));
on("vote-form", "submit", () => act("/votes", {
  item: Number(document.getElementById("vote-item").value),
  mode: document.getElementById("vote-mode").value,
  question: document.getElementById("vote-question").value,
}));
on("vote-close", "click", () => current && current.vote && act(`/votes/${current.vote.vote}/close`));
on("correction-form", "submit", () => current && current.vote && act(`/votes/${current.vote.vote}/corrections`, {
  member: document.getElementById("correction-member").value,
  reason: document.getElementById("correction-reason").value,
}));

urna.signIn().then(() => {
  urna.follow((state) => { const first = !current; show(state); if (first) { loadItems(); } });
}).catch((error) => urna.text("error", error.message));
