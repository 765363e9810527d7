"use strict";
function list(id, rows, line) {
  document.getElementById(id).replaceChildren(...rows.map((row) => {
    const li = document.createElement("li");
    li.textContent = line(row);
    return li;
  }));
}

urna.signIn().then(async () => {
  const me = await urna.json("/me.json");
  urna.text("name", me.name);
  urna.text("details", `${me.faction} · ${me.district} · yer ${me.seat}`);
  list("speeches", me.speeches, (s) => `İclas ${s.sitting}: ${s.matter} (${s.started}–${s.ended})`);
  list("votes", me.votes, (v) => `İclas ${v.sitting}, səsvermə ${v.vote}: ${v.choice}`);
  urna.follow((state) => {
    const seat = state.seats[me.seat] || {};
    urna.text("hall", `${state.vote ? `Səsvermə: ${state.vote.question}` : "Səsvermə yoxdur"} · ` +
      `${seat.present ? "qeydiyyatdan keçmisiniz" : "qeydiyyatdan keçməmisiniz"}`);
  });
}).catch((error) => urna.text("error", error.message));
