// The type switcher: the cards take the new form's colour, flip away, and the new form's cards
// (fetched from /cards?type=…) flip in. Without JavaScript the toggles are plain links.
(function () {
  const stage = document.querySelector(".stage");
  const archive = document.getElementById("archive");
  const toggles = Array.from(document.querySelectorAll(".switch .toggle"));
  const wait = (ms) => new Promise((done) => setTimeout(done, ms));

  async function morph(type, push) {
    const target = toggles.find((t) => t.dataset.type === type);
    if (!target) return;
    const colour = target.style.getPropertyValue("--c");
    const cards = archive.querySelector(".cards");
    const loading = fetch("/cards" + (type === "all" ? "" : "?type=" + encodeURIComponent(type)));
    toggles.forEach((t) => {
      t.classList.toggle("on", t === target);
      t.toggleAttribute("aria-current", t === target);
    });
    stage.style.setProperty("--accent", colour);
    stage.dataset.kind = type;
    if (cards) {
      cards.querySelectorAll(".card").forEach((card) => card.style.setProperty("--c", colour));
      await wait(220);
      cards.classList.add("morph-out");
    }
    const [response] = await Promise.all([loading, wait(cards ? 320 : 0)]);
    archive.innerHTML = await response.text();
    const fresh = archive.querySelector(".cards");
    if (fresh) fresh.classList.add("morph-in");
    if (push) history.pushState({ type }, "", target.getAttribute("href"));
    if (type !== "all") choose(type);
  }

  toggles.forEach((toggle) =>
    toggle.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      morph(toggle.dataset.type, true);
    })
  );
  window.addEventListener("popstate", () => {
    const type = new URLSearchParams(location.search).get("type") || "all";
    morph(type, false);
  });

  // the form: the chosen type's fieldset is the only one enabled (a disabled one is not sent)
  const form = document.querySelector("form.new");
  const panel = document.querySelector(".create");
  function choose(type) {
    const radio = form.querySelector('input[name="type"][value="' + type + '"]');
    if (!radio) return;
    radio.checked = true;
    form.querySelectorAll("fieldset[data-type]").forEach((set) => (set.disabled = set.dataset.type !== type));
    const colour = radio.parentElement.style.getPropertyValue("--c");
    panel.style.setProperty("--c", colour);
    panel.querySelector('[data-new="type"]').textContent = type;
    panel.querySelector('[data-new="label"]').textContent = radio.parentElement.textContent.trim().split(" ").pop();
  }
  form.querySelectorAll('input[name="type"]').forEach((radio) =>
    radio.addEventListener("change", () => choose(radio.value))
  );
})();
