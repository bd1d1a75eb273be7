// The only script of the bureau's pages (the Content-Security-Policy allows no other):
// - an element with data-refresh="/url" and data-every="seconds" gets its content
//   replaced by the HTML the server renders at that URL;
// - a form with data-confirm="question" asks before it is sent.
// Pages work without it.
"use strict";
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-refresh]")) {
    const every = Math.max(2, Number(el.dataset.every || 10)) * 1000;
    const tick = async () => {
      try {
        const r = await fetch(el.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } });
        if (r.redirected || r.status === 401) { window.location.reload(); return; }
        if (r.ok) { el.innerHTML = await r.text(); el.dataset.refreshedAt = String(Date.now()); }
      } catch (e) {
        // The server is unreachable for a moment: keep the last table and try again.
      }
    };
    setInterval(tick, every);
  }
});
