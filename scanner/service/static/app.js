// The little JavaScript the pages use; everything works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // While an item is being scanned, poll its status and reload when the result is there.
  const poll = document.querySelector("[data-poll]");
  if (poll) {
    const check = () => fetch(poll.dataset.poll, {credentials: "same-origin"})
      .then((r) => r.json())
      .then((s) => { if (s.status !== "queued") { location.reload(); } else { setTimeout(check, 1500); } })
      .catch(() => setTimeout(check, 5000));
    setTimeout(check, 1000);
  }
  // A 误报 needs a reason: say so before the round trip.
  for (const form of document.querySelectorAll("form.decide")) {
    const select = form.querySelector("select[name=decision]");
    const reason = form.querySelector("input[name=reason]");
    const sync = () => { reason.required = select.value === "false_positive"; };
    select.addEventListener("change", sync);
    sync();
  }
});
