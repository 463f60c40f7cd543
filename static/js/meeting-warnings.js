// The meeting change form warns while staff edit, before they save, of what the public and
// the delegations would see: a past meeting still "scheduled", a publish without venue or
// without delegations. The same texts as meetings/warnings.py, which warns again on save.
"use strict";

// The admin loads form media in the head: wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("meeting_form");
  if (!form) return;
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const box = document.createElement("ul");
  box.className = "messagelist meeting-warnings";
  box.setAttribute("role", "status");
  box.setAttribute("aria-live", "polite");
  const submit = form.querySelector(".submit-row");
  if (submit) submit.parentNode.insertBefore(box, submit);

  function today() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function delegations() {
    let count = 0;
    for (const select of form.querySelectorAll('[name^="delegations-"][name$="-participant"]')) {
      const prefix = select.name.slice(0, -"participant".length);
      const removed = form.querySelector(`[name="${prefix}DELETE"]`);
      if (select.value && !(removed && removed.checked)) count += 1;
    }
    return count;
  }

  function warnings() {
    const found = [];
    const status = field("status");
    const end = field("end_date");
    const published = field("published");
    const venue = field("venue");
    const mode = field("mode");
    const label = status ? status.options[status.selectedIndex].text : "";
    // The server's date (the browser's clock may be wrong), else the browser's.
    const now = (end && end.dataset.today) || today();
    if (status && ["scheduled", "tentative"].includes(status.value) && end && end.value
        && end.value < now) {
      found.push(`It ends on ${end.value}, before today, but is “${label}”: the public pages ` +
        "and feeds would show it as " + label.toLowerCase() + ". Set it to “Held”, or " +
        "“Cancelled” if it did not take place.");
    }
    if (published && published.checked) {
      if (venue && !venue.value && mode && mode.value !== "virtual") {
        found.push("Published without a venue: the public page and the feeds would say " +
          "“To be announced”, and invitations name no place.");
      }
      if (delegations() === 0) {
        found.push("Published with no delegation: nobody would be invited or reminded. Add " +
          "delegations below, or use the action “Invite the format's participants” after saving.");
      }
    }
    return found;
  }

  function show() {
    box.replaceChildren(...warnings().map((text) => {
      const item = document.createElement("li");
      item.className = "warning";
      item.textContent = text;
      return item;
    }));
    box.hidden = box.children.length === 0;
  }

  form.addEventListener("change", show);
  form.addEventListener("input", show);
  show();
});
