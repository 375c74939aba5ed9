/* The Infinite Taxonomy: a tag that is removed shatters, as one that is added flies in.
 *
 * Progressive enhancement of the forms that send `tags__remove` (a pill's × and the
 * `tags__remove` box): without JavaScript they post as they are and the server answers the
 * page. With it, each pill the removal names breaks into shards first (CSS @keyframes
 * tx-shard, like tx-fly-in), its row leaves the page, and then the same form is submitted.
 */
(() => {
  "use strict";
  const SHARDS = [ // triangles over the pill, in % of its box: [x, y] corners
    [[0, 0], [34, 0], [16, 55]], [[34, 0], [16, 55], [52, 48]], [[34, 0], [68, 0], [52, 48]],
    [[68, 0], [52, 48], [86, 60]], [[68, 0], [100, 0], [86, 60]], [[100, 0], [100, 100], [86, 60]],
    [[0, 0], [16, 55], [0, 100]], [[0, 100], [16, 55], [40, 100]], [[16, 55], [52, 48], [40, 100]],
    [[52, 48], [40, 100], [72, 100]], [[52, 48], [86, 60], [72, 100]], [[86, 60], [72, 100], [100, 100]],
  ];
  const calm = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /** The tags a removal form names: its pill's own, or the box's "a, b" (as the server reads it). */
  function named(form) {
    const own = form.dataset.tag;
    const text = own !== undefined ? own : (form.elements.value ? form.elements.value.value : "");
    return new Set(text.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
  }

  /** Break one pill into shards flying out from its centre; resolves when they are gone. */
  function shatter(pill) {
    return new Promise((done) => {
      const face = [...pill.childNodes]; // "#tag": what every shard shows a piece of
      pill.classList.add("tx-shatter");
      let last = null;
      SHARDS.forEach((corners, n) => {
        const shard = document.createElement("span");
        shard.className = "tx-pill tx-shard"; // the pill's look; its colour --c is inherited
        shard.setAttribute("aria-hidden", "true");
        shard.append(...face.map((node) => node.cloneNode(true)));
        const cx = corners.reduce((s, [x]) => s + x, 0) / 3 - 50;
        const cy = corners.reduce((s, [, y]) => s + y, 0) / 3 - 50;
        const push = 0.6 + Math.random() * 0.8;
        shard.style.setProperty("--clip", `polygon(${corners.map(([x, y]) => `${x}% ${y}%`).join(", ")})`);
        shard.style.setProperty("--dx", `${(cx * push).toFixed(1)}px`);
        shard.style.setProperty("--dy", `${(cy * push + 18 + Math.random() * 16).toFixed(1)}px`);
        shard.style.setProperty("--r", `${Math.round((Math.random() - 0.5) * 220)}deg`);
        shard.style.animationDelay = `${n * 12}ms`;
        pill.appendChild(shard);
        last = shard;
      });
      const finish = () => done(pill);
      last.addEventListener("animationend", finish, { once: true });
      window.setTimeout(finish, 1200); // never wait for an animation that does not run
    });
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-shatter]") || form.dataset.sent) return;
    const tags = named(form);
    const pills = [...document.querySelectorAll("[data-pill-of]")].filter((row) => tags.has(row.dataset.pillOf));
    if (!pills.length || calm()) return; // nothing to break (or motion reduced): post at once
    event.preventDefault();
    form.dataset.sent = "1";
    Promise.all(pills.map((row) => shatter(row.querySelector(".tx-pill")))).then(() => {
      pills.forEach((row) => { row.hidden = true; }); // the row leaves the page…
      form.submit(); // …then the form posts, as it would have without JavaScript
    });
  });
})();
