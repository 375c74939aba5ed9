// Bring the product the last action moved into sight inside each scrolling list (base rows,
// partitions): where it arrived, else the ghost where it left.
(function () {
  for (const box of document.querySelectorAll(".rows, .partitions")) {
    const el = box.querySelector(".arrived") || box.querySelector(".ghost");
    if (el && box.scrollHeight > box.clientHeight) {
      box.scrollTop = Math.max(0, el.offsetTop - box.offsetTop - box.clientHeight / 3);
    }
  }
})();
