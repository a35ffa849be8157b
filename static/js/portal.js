// Words shown to people go through gettext() (Django's JavaScript catalogue, /jsi18n/, loaded first).
// Every page: the navigation folds behind a "Menu" button at phone width (without JavaScript it stays
// unfolded), and a form being submitted says so and cannot be submitted twice.
document.addEventListener("DOMContentLoaded", () => {
  const nav = document.querySelector(".nav");
  const toggle = nav && nav.querySelector(".nav-toggle");
  if (toggle) {
    nav.classList.add("has-menu");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.method.toLowerCase() !== "post") return;
    const button = event.submitter;
    form.setAttribute("aria-busy", "true");
    if (button && !button.disabled) {
      // Disabled after the submit has taken the button's name/value with it.
      setTimeout(() => {
        button.disabled = true;
        button.dataset.label = button.textContent;
        button.textContent = form.querySelector("input[type=file]") ? gettext("Uploading…") : gettext("Working…");
      }, 0);
    }
  });
  // "Copy" beside a read-only field (a new API token): copies its value, and selects it when the
  // browser gives no clipboard so that the user can copy it by hand.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-from]");
    const field = button && document.querySelector(button.dataset.copyFrom);
    if (!field) return;
    field.select();
    const done = () => { button.textContent = gettext("Copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, () => {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });
  // Back/forward cache: a page shown again gets its buttons back.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("button[data-label]").forEach((button) => {
      button.disabled = false;
      button.textContent = button.dataset.label;
      delete button.dataset.label;
    });
    document.querySelectorAll("form[aria-busy]").forEach((form) => form.removeAttribute("aria-busy"));
  });
});

// The start-time fields: choosing a date, a time or a zone means "At a date and time".
document.addEventListener("change", (event) => {
  const fieldset = event.target.closest("[data-start-time]");
  if (!fieldset || !event.target.closest(".start-at")) return;
  const at = fieldset.querySelector('input[type=radio][value="at"]');
  if (at) at.checked = true;
});
