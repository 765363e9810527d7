// Protocol entry: check the form, send it as JSON with the page's CSRF token, and show
// the outcome. Every message comes from the page (#messages, in the page's language) and
// every field's name from its label: this script carries no text of its own.
"use strict";
(function () {
  const form = document.getElementById("entry");
  const summary = document.getElementById("error-summary");
  const outcome = document.getElementById("outcome");
  const messages = JSON.parse(document.getElementById("messages").textContent);

  function say(key, values) {
    return messages[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function labelOf(input) {
    return form.querySelector('label[for="' + input.id + '"]').textContent.trim();
  }

  function clearErrors() {
    for (const input of form.querySelectorAll("input")) {
      const box = input.closest("[data-field]");
      const error = document.getElementById(input.id + "-error");
      box.classList.remove("has-error");
      input.removeAttribute("aria-invalid");
      error.hidden = true;
      error.textContent = "";
      const hint = document.getElementById(input.id + "-hint");
      if (hint) input.setAttribute("aria-describedby", hint.id);
      else input.removeAttribute("aria-describedby");
    }
    summary.hidden = true;
    summary.querySelector("ul").textContent = "";
  }

  // Mark each wrong field and list it in the summary, which takes the focus.
  function showErrors(errors) {
    const list = summary.querySelector("ul");
    for (const [input, text] of errors) {
      const error = document.getElementById(input.id + "-error");
      error.textContent = text;
      error.hidden = false;
      input.closest("[data-field]").classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      const hint = document.getElementById(input.id + "-hint");
      input.setAttribute("aria-describedby", (hint ? hint.id + " " : "") + error.id);
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#" + input.id;
      link.textContent = text;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        input.focus();
      });
      item.appendChild(link);
      list.appendChild(item);
    }
    summary.hidden = false;
    summary.focus();
  }

  function readForm() {
    const errors = [];
    const precinct = form.elements.precinct;
    if (!precinct.value.trim()) errors.push([precinct, messages.precinct]);
    const lines = {};
    const votes = {};
    for (const input of form.querySelectorAll("input[data-line], input[data-candidate]")) {
      const text = input.value.trim();
      if (!text && input.dataset.optional) {
        continue; // a contest not on this precinct's ballot
      } else if (!text) {
        errors.push([input, say("required", { field: labelOf(input) })]);
      } else if (!/^[0-9]{1,10}$/.test(text)) {
        errors.push([input, say("number", { field: labelOf(input) })]);
      } else if (input.dataset.line) {
        lines[input.dataset.line] = parseInt(text, 10);
      } else {
        votes[input.dataset.candidate] = parseInt(text, 10);
      }
    }
    return [errors, { precinct: precinct.value.trim(), lines: lines, votes: votes }];
  }

  // The appliance names a differing line "line <id> (...)" and a candidate "votes for <name>:".
  function differing(mismatches) {
    const found = [];
    for (const input of form.querySelectorAll("input[data-line], input[data-candidate]")) {
      const prefix = input.dataset.line
        ? "line " + input.dataset.line + " ("
        : "votes for " + input.dataset.name + ":";
      if (mismatches.some((text) => text.startsWith(prefix))) {
        found.push([input, say("differs", { field: labelOf(input) })]);
      }
    }
    return found;
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    p.textContent = text;
    if (className) p.className = className;
    outcome.appendChild(p);
    return p;
  }

  function ratioText(text) {
    const parts = /^control ratio (\S+) fails: (.*) \(left (-?\d+), right (-?\d+), differs by -?\d+\)$/.exec(text);
    if (!parts) return null;
    return say("ratio", { id: parts[1], expression: parts[2], left: parts[3], right: parts[4] });
  }

  function show(status, answer) {
    outcome.textContent = "";
    if (status >= 400 || answer.error) {
      const p = paragraph(messages.refused + " ", "notice bad");
      p.id = "draft-status";
      const detail = document.createElement("span");
      detail.lang = "en";
      detail.textContent = answer.error || String(status);
      p.appendChild(detail);
      return;
    }
    const tone = { entering: "", mismatch: "bad", ready: "ok", accepted: "ok" }[answer.status];
    paragraph(messages[answer.status] || answer.status, "notice " + (tone || "")).id = "draft-status";
    const mismatches = differing(answer.mismatches || []);
    if (mismatches.length) showErrors(mismatches);
    const ratios = answer.ratio_failures || [];
    if (ratios.length) {
      paragraph(messages.ratios);
      const list = document.createElement("ul");
      list.className = "problems";
      for (const text of ratios) {
        const item = document.createElement("li");
        const translated = ratioText(text);
        item.textContent = translated || text;
        if (!translated) item.lang = "en";
        list.appendChild(item);
      }
      outcome.appendChild(list);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    const [errors, body] = readForm();
    if (errors.length) {
      showErrors(errors);
      return;
    }
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify(body),
    })
      .then((response) => response.json().then((answer) => show(response.status, answer)))
      .catch(function () {
        outcome.textContent = "";
        paragraph(messages.failed, "notice bad");
      });
  });
})();
