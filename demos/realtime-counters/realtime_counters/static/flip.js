// Flip the digits of every counter whose total changed since the last poll:
// green when it went up, red when it went down (airport-board style, CSS rotateX).
(function () {
  let before = {};
  document.addEventListener("htmx:beforeSwap", function () {
    before = {};
    document.querySelectorAll(".rc-item").forEach(function (li) {
      before[li.dataset.id] = Number(li.dataset.votes);
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".rc-item").forEach(function (li) {
      const old = before[li.dataset.id];
      const now = Number(li.dataset.votes);
      if (old === undefined || old === now) return;
      li.classList.add(now > old ? "rc-pulse-up" : "rc-pulse-down");
    });
  });
})();
