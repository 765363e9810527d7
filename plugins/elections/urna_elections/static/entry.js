// Protocol entry: each operator enters every line; the second entry is compared line by line.
"use strict";
(function () {
  const form = document.getElementById("entry");
  const out = document.getElementById("outcome");
  let csrf = "";
  fetch("/-/me", { credentials: "same-origin" })
    .then((r) => r.json())
    .then((me) => { csrf = me.csrf_token || ""; });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const lines = {};
    const votes = {};
    for (const input of form.querySelectorAll("input[data-line]")) {
      lines[input.dataset.line] = parseInt(input.value, 10);
    }
    for (const input of form.querySelectorAll("input[data-candidate]")) {
      votes[input.dataset.candidate] = parseInt(input.value, 10);
    }
    const body = { precinct: form.elements.precinct.value, lines: lines, votes: votes };
    fetch(form.dataset.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    })
      .then((r) => r.json())
      .then(function (draft) {
        out.textContent = "";
        const status = document.createElement("p");
        status.id = "draft-status";
        status.textContent = draft.error ? "Refused: " + draft.error : "Status: " + draft.status;
        out.appendChild(status);
        for (const [cls, items] of [["mismatch", draft.mismatches || []],
                                    ["problems", draft.ratio_failures || []]]) {
          if (!items.length) continue;
          const list = document.createElement("ul");
          list.className = cls;
          for (const text of items) {
            const item = document.createElement("li");
            item.textContent = text;
            list.appendChild(item);
          }
          out.appendChild(list);
        }
      });
  });
})();
