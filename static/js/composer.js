// The composer page: blocks (add, remove, reorder, up to the network's limit), fields shown per
// network and block type, live character counts in the network's unit, a JSON check that names the
// line and column, pretty-print, and copy buttons. Validation and the preview come from the server
// (htmx posts the form on every change; see messages/views/drafts.py).
(function () {
  "use strict";
  const form = document.getElementById("composer");
  if (!form) return;
  const limits = JSON.parse(document.getElementById("network-limits").textContent);
  const blocks = document.getElementById("blocks");
  const template = document.getElementById("block-template");
  const addButton = document.getElementById("add-block");
  const limitNote = document.getElementById("block-limit");
  const total = form.querySelector('input[name="blocks-TOTAL_FORMS"]');
  const sender = form.querySelector('select[name="sender"]');
  const messagingType = form.querySelector('select[name="messaging_type"]');

  function network() {
    const option = sender && sender.selectedOptions[0];
    return option ? option.dataset.network || "" : "";
  }

  function liveBlocks() {
    return Array.from(blocks.querySelectorAll("[data-block]")).filter((b) => !b.hidden);
  }

  // Characters for Messenger; UTF-16 code units for LINE (JavaScript's own string length).
  function measure(text, net) {
    return net === "line" ? text.length : Array.from(text).length;
  }

  function hasValue(field) {
    return Array.from(field.querySelectorAll("input, textarea, select")).some((input) =>
      input.type === "checkbox" ? input.checked : input.value.trim() !== "" && input.tagName !== "SELECT");
  }

  // A field shows when it applies to this network and block type, or when it holds a value (so
  // switching networks never hides what was typed: the error beside it says what to do).
  function refreshFields(scope, type) {
    const net = network();
    scope.querySelectorAll("[data-types], [data-networks], [data-when-messaging]").forEach((field) => {
      if (field.closest("[data-block]") !== (scope.matches("[data-block]") ? scope : null)) return;
      const types = field.dataset.types ? field.dataset.types.split(" ") : null;
      const nets = field.dataset.networks ? field.dataset.networks.split(" ") : null;
      const when = field.dataset.whenMessaging;
      const applies = (!types || types.includes(type)) && (!nets || nets.includes(net)) &&
        (!when || (messagingType && messagingType.value === when));
      field.hidden = !(applies || hasValue(field));
      if (when) {
        const select = field.querySelector("select");
        if (select) select.required = applies;
      }
    });
  }

  function refreshCounter(block) {
    const text = block.querySelector("textarea[name$='-text']");
    const counter = block.querySelector("[data-counter-for]");
    if (!text || !counter) return;
    const net = network();
    const info = limits[net];
    if (!info) { counter.textContent = ""; return; }
    const used = measure(text.value, net);
    counter.textContent = `${used.toLocaleString()} / ${info.limit.toLocaleString()} ${info.unit}`;
    counter.classList.toggle("over", used > info.limit);
  }

  function jsonStatus(textarea) {
    const status = form.querySelector(`[data-json-status-for="${textarea.id}"]`);
    if (!status) return;
    const text = textarea.value;
    if (!text.trim()) { status.textContent = ""; return; }
    try {
      JSON.parse(text);
      status.textContent = "Valid JSON.";
      status.classList.remove("over");
    } catch (error) {
      const match = /position (\d+)/.exec(error.message);
      let where = "";
      if (match) {
        const before = text.slice(0, Number(match[1])).split("\n");
        where = ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
      }
      status.textContent = `Not valid JSON${where}: ${error.message.replace(/ in JSON.*$/, "")}`;
      status.classList.add("over");
    }
  }

  function renumber() {
    liveBlocks().forEach((block, index) => {
      block.querySelector("[data-block-number]").textContent = index + 1;
      const order = block.querySelector("input[name$='-ORDER']");
      if (order) order.value = index + 1;
    });
    const net = network();
    const max = limits[net] ? limits[net].max : Object.values(limits).reduce((a, n) => Math.max(a, n.max), 0);
    const count = liveBlocks().length;
    addButton.disabled = count >= max;
    limitNote.textContent = limits[net] ? `${count} of ${max} blocks (${net === "line" ? "LINE" : "Messenger"} allows ${max}).` : "";
  }

  function refreshAll() {
    liveBlocks().forEach((block) => {
      const type = block.querySelector("select[name$='-type']").value;
      refreshFields(block, type);
      refreshCounter(block);
    });
    refreshFields(form, "");
    renumber();
  }

  function changed() {
    refreshAll();
    if (window.htmx) window.htmx.trigger(form, "composer-changed");
  }

  addButton.addEventListener("click", () => {
    const index = Number(total.value);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    blocks.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    const added = blocks.lastElementChild;
    if (window.htmx) window.htmx.process(added);
    changed();
    added.querySelector("select").focus();
  });

  blocks.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const block = button.closest("[data-block]");
    if (button.hasAttribute("data-remove")) {
      block.querySelector("input[name$='-DELETE']").checked = true;
      block.hidden = true;
      changed();
    } else if (button.dataset.move) {
      const siblings = liveBlocks();
      const target = siblings[siblings.indexOf(block) + Number(button.dataset.move)];
      if (!target) return;
      if (Number(button.dataset.move) < 0) target.before(block); else target.after(block);
      button.focus();
      changed();
    } else if (button.dataset.prettyFor) {
      const textarea = document.getElementById(button.dataset.prettyFor);
      try {
        textarea.value = JSON.stringify(JSON.parse(textarea.value), null, 2);
        changed();
      } catch (error) {
        jsonStatus(textarea);
      }
    }
  });

  form.addEventListener("input", (event) => {
    const block = event.target.closest("[data-block]");
    if (block) refreshCounter(block);
    if (event.target.name && event.target.name.endsWith("-native_payload")) jsonStatus(event.target);
  });
  form.addEventListener("change", refreshAll);

  // Copy the exact JSON, or a curl command with placeholders (the portal never shows a token).
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy], [data-copy-curl]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy || button.dataset.copyCurl);
    if (!source) return;
    let text = source.textContent;
    if (button.dataset.copyCurl) {
      const quoted = text.replace(/'/g, "'\\''");
      text = `curl -X POST "$OTT_REST_URL/ott/v1/send" \\\n  -H "Authorization: Bearer $OTT_TOKEN" \\\n  -H "Content-Type: application/json" \\\n  -d '${quoted}'`;
    }
    window.lastCopiedText = text;
    const done = () => { button.dataset.copied = "yes"; button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
    } else {
      fallbackCopy(text, done);
    }
  });

  function fallbackCopy(text, done) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } finally { area.remove(); }
  }

  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (event) => { if (!window.confirm(f.dataset.confirm)) event.preventDefault(); }));

  form.querySelectorAll("textarea[name$='-native_payload']").forEach(jsonStatus);
  refreshAll();
  // What was typed before the page finished loading (htmx listens only from then on) is checked once
  // htmx is ready: its own DOMContentLoaded handler was registered first, so it has run by now.
  document.addEventListener("DOMContentLoaded", () => {
    if (sender && sender.value && window.htmx) window.htmx.trigger(form, "composer-changed");
  }, { once: true });
})();
