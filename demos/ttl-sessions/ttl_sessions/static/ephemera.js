// Count every token down between reloads: fade the card, pulse it red at 5 s, dissolve at 0.
(function () {
  const cards = Array.from(document.querySelectorAll(".token[data-life]"));
  const started = Date.now();
  function tick() {
    const gone = (Date.now() - started) / 1000;
    for (const card of cards) {
      const granted = Math.max(1, Number(card.dataset.granted));
      const life = Math.max(0, Number(card.dataset.life) - gone);
      const share = Math.min(1, life / granted);
      card.querySelector(".secs").textContent = Math.ceil(life);
      card.querySelector(".bar").style.width = (share * 100).toFixed(1) + "%";
      card.style.setProperty("--hue", Math.round(share * 170));
      card.style.opacity = (0.35 + 0.65 * Math.min(1, life / Math.min(granted, 30))).toFixed(2);
      card.classList.toggle("dying", life <= 5);
      card.classList.toggle("dissolved", life <= 0);
    }
  }
  tick();
  setInterval(tick, 250);
})();
