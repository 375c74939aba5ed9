// The Chrono-Sensors' HUD: the full-width area chart (Chart.js, served from this app) and the time warp.
(() => {
  "use strict";
  const BLUE = "#3b82f6", GOLD = "#fbbf24", GRID = "rgba(59, 130, 246, .16)";

  // Dimension-10 time of an Earth time (ms): timeseries_iot.chrono.d10, the same waves.
  const d10 = (ms, origin) => {
    const hours = (ms - origin) / 3600000;
    return hours + 2.5 * Math.sin(hours / 4.1) + 1.2 * Math.sin(hours / 1.3);
  };
  const earth = (ms) => new Date(ms).toISOString().slice(5, 16).replace("T", " ");

  // blue to transparent, top to bottom of the plot area
  const gradient = (chart) => {
    const area = chart.chartArea;
    if (!area) return "rgba(59, 130, 246, .3)";
    const fill = chart.ctx.createLinearGradient(0, area.top, 0, area.bottom);
    fill.addColorStop(0, "rgba(59, 130, 246, .6)");
    fill.addColorStop(0.6, "rgba(59, 130, 246, .15)");
    fill.addColorStop(1, "rgba(59, 130, 246, 0)");
    return fill;
  };

  // a pulsing ring on the newest reading
  const pulse = (box, chart) => {
    const points = chart.getDatasetMeta(0).data;
    if (!points.length) return;
    const newest = points[points.length - 1];
    const ring = box.querySelector(".ch-pulse") || box.appendChild(document.createElement("span"));
    ring.className = "ch-pulse";
    ring.style.left = `${newest.x}px`;
    ring.style.top = `${newest.y}px`;
  };

  const draw = (box) => {
    const data = JSON.parse(box.querySelector(".ch-chart-data").textContent);
    if (!window.Chart || !data.points.length) return;
    const points = data.points.map(([x, y, a]) => ({ x, y, a }));
    const min = points[0].x, max = points[points.length - 1].x;
    const axis = (title, colour) => ({ display: true, text: title, color: colour, font: { weight: "bold" } });
    const chart = new window.Chart(box.querySelector("canvas"), {
      type: "line",
      data: {
        datasets: [{
          label: `${data.sensor} · °C`,
          data: points,
          borderColor: BLUE,
          borderWidth: 1.6,
          tension: 0.25,
          fill: "start",
          backgroundColor: (ctx) => gradient(ctx.chart),
          pointRadius: (ctx) => (ctx.raw && ctx.raw.a ? 4.5 : 0),
          pointStyle: "triangle",
          pointBackgroundColor: GOLD,
          pointBorderColor: GOLD,
          pointHoverRadius: 6,
        }],
      },
      options: {
        maintainAspectRatio: false,
        animation: { duration: 900, onComplete: () => pulse(box, chart) },
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: {
            type: "linear", min, max, title: axis("Earth Time (UTC)", "#93c5fd"), grid: { color: GRID },
            ticks: { color: "#93c5fd", maxRotation: 0, autoSkipPadding: 28, callback: (v) => earth(v) },
          },
          x2: {
            type: "linear", position: "top", min, max, title: axis("Dimension-10 Time", GOLD),
            grid: { drawOnChartArea: false, color: GOLD },
            ticks: { color: GOLD, maxRotation: 0, autoSkipPadding: 28, callback: (v) => `D10 ${d10(v, data.origin).toFixed(1)}` },
          },
          y: { title: axis("°C", "#93c5fd"), ticks: { color: "#93c5fd" }, grid: { color: GRID } },
        },
        plugins: {
          legend: { labels: { color: "#e2e8f0", usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: (items) => `Earth ${earth(items[0].raw.x)} · D10 ${d10(items[0].raw.x, data.origin).toFixed(2)}`,
              label: (item) => `${item.raw.y.toFixed(2)} °C${item.raw.a ? "  ⚠️ TEMPORAL ANOMALY" : ""}`,
            },
          },
        },
      },
    });
    window.addEventListener("resize", () => pulse(box, chart));
  };

  // ⏩ the time warp: the page blurs, then the next page arrives (and un-blurs, in CSS)
  const warp = (event) => {
    const link = event.target.closest("a[data-warp]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    document.body.classList.add("warping");
    setTimeout(() => { window.location.href = link.href; }, 350);
  };

  document.querySelectorAll("[data-chart]").forEach(draw);
  document.addEventListener("click", warp);
  window.addEventListener("pageshow", () => document.body.classList.remove("warping"));
})();
