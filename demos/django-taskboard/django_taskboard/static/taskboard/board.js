// The Hivemind Kanban: HTML5 drag and drop. A drop POSTs {"status": ...} to
// /api/tasks/<id>/move; the server answers with the task and the counters, and the
// card and the counter badges move only once the database said yes.
(() => {
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const toast = document.querySelector("[data-toast]");
  let dragged = null;

  const say = (text) => {
    toast.textContent = "⚠ " + text;
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => (toast.hidden = true), 4000);
  };

  const showCounters = (data) => {
    for (const [status, n] of Object.entries(data.counts || {})) {
      const el = document.querySelector(`[data-counter="${status}"]`);
      if (el) el.textContent = n;
    }
    const total = document.querySelector('[data-counter="total"]');
    if (total) total.textContent = data.total;
    const freed = document.querySelector('[data-counter="freed"]');
    if (freed) freed.textContent = data.freed;
    const meter = document.querySelector("[data-meter]");
    if (meter) meter.style.width = data.freed + "%";
    const badge = document.querySelector("[data-total]");
    if (badge) {
      badge.style.setProperty("--glow", data.glow);
      badge.classList.remove("tb-bump");
      void badge.offsetWidth;
      badge.classList.add("tb-bump");
    }
  };

  board.addEventListener("dragstart", (ev) => {
    const card = ev.target.closest(".tb-card");
    if (!card) return;
    dragged = card;
    card.classList.add("tb-dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.dataset.id);
  });
  board.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("tb-dragging");
    document.querySelectorAll(".tb-over").forEach((el) => el.classList.remove("tb-over"));
  });
  board.addEventListener("dragover", (ev) => {
    const list = ev.target.closest("[data-drop]");
    if (!list || !dragged) return;
    ev.preventDefault();
    list.classList.add("tb-over");
  });
  board.addEventListener("dragleave", (ev) => {
    const list = ev.target.closest("[data-drop]");
    if (list && !list.contains(ev.relatedTarget)) list.classList.remove("tb-over");
  });
  board.addEventListener("drop", async (ev) => {
    const list = ev.target.closest("[data-drop]");
    if (!list || !dragged) return;
    ev.preventDefault();
    list.classList.remove("tb-over");
    const card = dragged;
    const status = list.dataset.drop;
    if (card.dataset.status === status) return;
    try {
      const res = await fetch(`/api/tasks/${card.dataset.id}/move`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ status }),
      });
      const data = await res.json();
      if (!res.ok) return say(data.error || `move refused (${res.status})`);
      list.querySelector(".tb-empty")?.remove();
      list.prepend(card);
      card.dataset.status = status;
      card.classList.add("tb-landed");
      // the card's fallback buttons: offer the other two columns
      card.querySelectorAll(".tb-moves form").forEach((form) => {
        const input = form.querySelector('input[name="status"]');
        form.hidden = input.value === status;
      });
      showCounters(data);
    } catch (err) {
      say("the Hivemind did not answer: " + err);
    }
  });
})();
