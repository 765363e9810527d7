// The booth page's help, never its rules (the server refuses an over-vote on its own):
// counts the choices of each contest aloud, disables further options once the limit is
// reached, and while waiting for a session checks every two seconds whether one started.
"use strict";

function updateContest(fieldset) {
  const limit = Number(fieldset.dataset.limit);
  const boxes = Array.from(fieldset.querySelectorAll("input[type=checkbox]"));
  const chosen = boxes.filter((box) => box.checked).length;
  const count = fieldset.querySelector(".count");
  let text = count.dataset.template.replace("{chosen}", chosen).replace("{limit}", limit);
  if (chosen >= limit) {
    text += " " + count.dataset.full;
  }
  count.textContent = text;
  for (const box of boxes) {
    box.disabled = !box.checked && chosen >= limit;
  }
}

function watchBallot() {
  for (const fieldset of document.querySelectorAll("fieldset.contest")) {
    updateContest(fieldset);
    fieldset.addEventListener("change", () => updateContest(fieldset));
  }
}

function watchSession() {
  const waiting = document.getElementById("waiting");
  if (!waiting) {
    return;
  }
  const check = () => {
    fetch(waiting.dataset.state, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { session: null }))
      .then((state) => {
        if (state.session) {
          window.location.reload();
        } else {
          setTimeout(check, 2000);
        }
      })
      .catch(() => setTimeout(check, 2000));
  };
  setTimeout(check, 2000);
}

function focusError() {
  const error = document.getElementById("booth-error");
  if (error) {
    error.focus();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  watchBallot();
  watchSession();
  focusError();
});
