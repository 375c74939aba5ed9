// The Embedding Dimension's background: drifting points of vector space, linked when close.
// On search they converge on the query point ("entering vector space"), then the page loads;
// with results on screen they burst out from it. No dependencies.
(() => {
  const canvas = document.getElementById("particles");
  const ctx = canvas.getContext("2d");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const colours = ["124, 58, 237", "236, 72, 153", "167, 139, 250"];
  let w = 0, h = 0, points = [], mode = "drift", target = null;

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    w = window.innerWidth; h = window.innerHeight;
    canvas.width = w * dpr; canvas.height = h * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  function spawn(n) {
    const burst = document.body.classList.contains("has-results");
    points = Array.from({ length: n }, () => {
      const angle = Math.random() * Math.PI * 2, speed = 0.2 + Math.random() * 0.5;
      const p = {
        x: Math.random() * w, y: Math.random() * h,
        vx: Math.cos(angle) * speed, vy: Math.sin(angle) * speed,
        r: 1 + Math.random() * 2, c: colours[Math.floor(Math.random() * colours.length)],
      };
      if (burst && !reduced) { // results: everything flies out of the query point, already spread out
        const reach = Math.random() * Math.max(w, h) * 0.7, kick = 1.5 + Math.random() * 4;
        p.x = w / 2 + Math.cos(angle) * reach; p.y = 200 + Math.sin(angle) * reach;
        p.vx = Math.cos(angle) * kick; p.vy = Math.sin(angle) * kick;
      }
      return p;
    });
  }

  function step() {
    ctx.clearRect(0, 0, w, h);
    for (const p of points) {
      if (mode === "converge" && target) {
        p.vx += (target.x - p.x) * 0.012; p.vy += (target.y - p.y) * 0.012;
        p.vx *= 0.86; p.vy *= 0.86;
      } else {
        const speed = Math.hypot(p.vx, p.vy);
        if (speed > 0.7) { p.vx *= 0.96; p.vy *= 0.96; }
      }
      p.x += p.vx; p.y += p.vy;
      if (mode === "drift") {
        if (p.x < 0 || p.x > w) p.vx *= -1;
        if (p.y < 0 || p.y > h) p.vy *= -1;
      }
    }
    for (let i = 0; i < points.length; i++) {
      const a = points[i];
      for (let j = i + 1; j < points.length; j++) {
        const b = points[j], d = Math.hypot(a.x - b.x, a.y - b.y);
        if (d < 110) {
          ctx.strokeStyle = `rgba(${a.c}, ${0.18 * (1 - d / 110)})`;
          ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
        }
      }
      ctx.fillStyle = `rgba(${a.c}, 0.8)`;
      ctx.beginPath(); ctx.arc(a.x, a.y, a.r, 0, Math.PI * 2); ctx.fill();
    }
    if (!reduced) requestAnimationFrame(step);
  }

  resize();
  spawn(Math.min(110, Math.round((w * h) / 12000)));
  window.addEventListener("resize", resize);
  step();

  const form = document.getElementById("search-form");
  if (form) {
    form.addEventListener("submit", (event) => {
      const q = form.querySelector("input[name=q]");
      if (reduced || !q.value.trim()) return; // let the server answer (and explain an empty query)
      event.preventDefault();
      const box = q.getBoundingClientRect();
      target = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      mode = "converge";
      document.body.classList.add("warping");
      setTimeout(() => form.submit(), 650);
    });
  }
  window.addEventListener("pageshow", () => { mode = "drift"; document.body.classList.remove("warping"); });
})();
