// The composer page: blocks (add, remove, reorder, up to the network's limit), fields shown per
// network and block type, live character counts as the network counts them, a JSON check,
// pretty-print, copy buttons, and a warning before leaving with unsaved changes. Validation and the
// preview come from the server (htmx posts the form on every change; see messages/views/drafts.py).
// Everything this script knows about a network comes from the `network-limits` JSON, which the
// server builds from the network registry (ott/networks.py).
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

  // As the network counts: UTF-16 code units (JavaScript's own string length: an emoji counts 2),
  // or characters. A textarea's value has "\n" line breaks, as the server stores them.
  function measure(text, info) {
    return info.utf16 ? text.length : Array.from(text).length;
  }

  // The networks a field is judged against: the chosen one, or (no sender yet) every network.
  function infos() {
    const net = network();
    return limits[net] ? [limits[net]] : Object.values(limits);
  }

  function hasValue(field) {
    return Array.from(field.querySelectorAll("input, textarea, select")).some((input) =>
      input.type === "checkbox" ? input.checked : input.value.trim() !== "" && input.tagName !== "SELECT");
  }

  // A field shows when it applies to this network and block type, or when it holds a value (so
  // switching networks never hides what was typed: the error beside it says what to do).
  function refreshFields(scope, type) {
    const networks = infos();
    scope.querySelectorAll("[data-field], [data-custom-key], [data-when-messaging]").forEach((field) => {
      if (field.closest("[data-block]") !== (scope.matches("[data-block]") ? scope : null)) return;
      const name = field.dataset.field;
      const when = field.dataset.whenMessaging;
      const applies = networks.every((info) =>
        (!name || (info.fields[name] || []).includes(type)) &&
        (!("customKey" in field.dataset) || info.custom_keys)) &&
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
    const hint = block.querySelector("[data-count-hint]");
    if (!text || !counter) return;
    const info = limits[network()];
    if (!info) { counter.textContent = hint.textContent = ""; return; }
    const used = measure(text.value, info);
    counter.textContent = interpolate(gettext("%(used)s / %(limit)s characters"),
      { used: number(used), limit: number(info.limit) }, true);
    counter.classList.toggle("over", used > info.limit);
    hint.textContent = info.utf16
      ? interpolate(gettext("(%(network)s counts an emoji as 2)"), { network: info.label }, true) : "";
  }

  function number(n) {
    return n.toLocaleString(document.documentElement.lang || "en");
  }

  // "Valid JSON." at once; a syntax error is the server's to name (line and column), beside the
  // field, so the page shows one message, not two.
  function jsonStatus(textarea) {
    const status = form.querySelector(`[data-json-status-for="${textarea.id}"]`);
    if (!status) return;
    let valid = false;
    if (textarea.value.trim()) {
      try { JSON.parse(textarea.value); valid = true; } catch (error) { valid = false; }
    }
    status.textContent = valid ? gettext("Valid JSON.") : "";
  }

  function renumber() {
    liveBlocks().forEach((block, index) => {
      block.querySelector("[data-block-number]").textContent = index + 1;
      const order = block.querySelector("input[name$='-ORDER']");
      if (order) order.value = index + 1;
    });
    const info = limits[network()];
    const max = info ? info.max : Math.max(...Object.values(limits).map((n) => n.max));
    const count = liveBlocks().length;
    addButton.disabled = count >= max;
    limitNote.textContent = info
      ? interpolate(ngettext("%(count)s of %(max)s block (%(network)s allows %(max)s).",
        "%(count)s of %(max)s blocks (%(network)s allows %(max)s).", max), { count, max, network: info.label }, true)
      : "";
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
    dirty = true;
    refreshAll();
    if (window.htmx) window.htmx.trigger(form, "composer-changed");
  }

  // Leaving with unsaved changes asks first; saving (or deleting) is not leaving them behind.
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // While the server checks the page: the "Checking…" indicator (htmx) and aria-busy on the preview.
  const live = document.getElementById("live");
  form.addEventListener("htmx:beforeRequest", () => live.setAttribute("aria-busy", "true"));
  form.addEventListener("htmx:afterRequest", () => live.removeAttribute("aria-busy"));

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
      const index = liveBlocks().indexOf(block);
      block.querySelector("input[name$='-DELETE']").checked = true;
      block.hidden = true;
      changed();
      // Focus stays in the list for someone on a keyboard: the block now in its place, else the last.
      const rest = liveBlocks();
      const next = rest[Math.min(index, rest.length - 1)];
      (next ? next.querySelector("[data-remove]") : addButton).focus();
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
    const done = () => { button.dataset.copied = "yes"; button.textContent = gettext("Copied"); };
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
    f.addEventListener("submit", (event) => {
      if (window.confirm(f.dataset.confirm)) dirty = false; else event.preventDefault();
    }));

  // The preview with a saved audience: one real row of it, filled by the server
  // (messages/views/preview_rows.py). The composer's own check re-draws the sample recipient on every
  // change; the row shown is then asked for again, so the preview follows what is typed.
  const rowPanel = document.getElementById("row-preview");
  const audienceSelect = document.getElementById("preview-audience");
  const lineInput = document.getElementById("preview-line");
  const rowStatus = document.getElementById("row-status");
  let shown = null; // { line, previous, next } of the row shown; null: the sample recipient

  function stepButton(step) {
    return rowPanel.querySelector(`[data-step="${step}"]`);
  }

  function refreshSteps() {
    if (!audienceSelect) return;
    const on = Boolean(audienceSelect.value);
    stepButton("first").disabled = stepButton("line").disabled = lineInput.disabled = !on;
    stepButton("previous").disabled = !on || !shown || shown.previous === null;
    stepButton("next").disabled = !on || !shown || shown.next === null;
  }

  // Only audiences of the chosen sender's network; one of another network is let go.
  function refreshAudiences() {
    if (!audienceSelect) return;
    const net = network();
    Array.from(audienceSelect.options).forEach((option) => {
      if (!option.value) return;
      option.disabled = option.hidden = option.dataset.network !== net;
    });
    if (audienceSelect.selectedOptions[0] && audienceSelect.selectedOptions[0].disabled) {
      audienceSelect.value = "";
      backToSample();
    }
  }

  function backToSample() {
    shown = null;
    rowStatus.replaceChildren();
    refreshSteps();
    if (window.htmx) window.htmx.trigger(form, "composer-changed");
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function say(message) {
    rowStatus.replaceChildren(element("p", message, "error"));
  }

  // The server's answer drawn with textContent only: a row's values are text, never markup.
  function draw(answer) {
    const phone = live.querySelector(".phone");
    if (phone) phone.outerHTML = answer.preview_html;
    const code = live.querySelector("#body-json code");
    if (code) code.textContent = JSON.stringify(answer.body, null, 2);
    const heading = live.querySelector("#body-heading");
    if (heading) heading.textContent = interpolate(gettext("Request body (line %(line)s of “%(audience)s”)"),
      { line: answer.row.line, audience: answer.audience.name }, true);
    const row = answer.row;
    const who = [row.ott_id, row.user_reference].filter(Boolean).join(" / ");
    const parts = [element("p", interpolate(gettext("Line %(line)s: %(who)s"), { line: number(row.line), who }, true), "row-who")];
    if (answer.placeholders.length) {
      const list = element("ul", undefined, "row-values");
      answer.placeholders.forEach((p) => {
        const item = element("li");
        item.append(element("code", p.column), ` = “${p.value}”`);
        if (p.note) item.append(" ", element("span", p.note, p.blocks_sending ? "error" : "help"));
        list.append(item);
      });
      parts.push(list);
    }
    answer.problems.forEach((problem) =>
      parts.push(element("p", interpolate(gettext("This row's message breaks a rule and would be left out: %(problem)s"),
      { problem }, true), "error")));
    rowStatus.replaceChildren(...parts);
  }

  async function showRow(where, pressed) {
    const data = new FormData(form);
    data.set("audience", audienceSelect.value);
    Object.entries(where).forEach(([key, value]) => data.set(key, String(value)));
    let response, answer;
    try {
      response = await fetch(rowPanel.dataset.url, { method: "POST", body: data, headers: { Accept: "application/json" } });
      answer = await response.json();
    } catch (error) {
      say(gettext("The row could not be loaded; try again."));
      return;
    }
    if (!response.ok) {
      say(Object.values(answer.errors || {}).flat()[0] || gettext("The row could not be loaded."));
      return;
    }
    shown = { line: answer.row.line, previous: answer.previous_line, next: answer.next_line };
    lineInput.value = shown.line;
    draw(answer);
    refreshSteps();
    // A button that has just been turned off (Next on the last row) hands the focus to its opposite.
    if (pressed && pressed.disabled) (pressed.dataset.step === "next" ? stepButton("previous") : stepButton("next")).focus();
  }

  function stepTo(step, pressed) {
    if (step === "first") return showRow({ after: 0 }, pressed);
    if (step === "next" && shown) return showRow({ after: shown.line }, pressed);
    if (step === "previous" && shown) return showRow({ before: shown.line }, pressed);
    if (step === "line") {
      const line = lineInput.value.trim();
      if (!/^[0-9]+$/.test(line)) { say(gettext("Give a line number: a whole number such as 2.")); return; }
      return showRow({ line }, pressed);
    }
  }

  if (audienceSelect) {
    audienceSelect.addEventListener("change", () => {
      if (audienceSelect.value) stepTo("first"); else backToSample();
    });
    rowPanel.addEventListener("click", (event) => {
      const button = event.target.closest("[data-step]");
      if (button && !button.disabled) stepTo(button.dataset.step, button);
    });
    lineInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); stepTo("line"); }
    });
    document.body.addEventListener("htmx:afterSwap", (event) => {
      if (shown && audienceSelect.value && event.detail && event.detail.target === live) showRow({ line: shown.line });
    });
    form.addEventListener("change", refreshAudiences);
    refreshAudiences();
    refreshSteps();
  }

  form.querySelectorAll("textarea[name$='-native_payload']").forEach(jsonStatus);
  refreshAll();
  // What was typed before the page finished loading (htmx listens only from then on) is checked once
  // htmx is ready: its own DOMContentLoaded handler was registered first, so it has run by now.
  document.addEventListener("DOMContentLoaded", () => {
    if (sender && sender.value && window.htmx) window.htmx.trigger(form, "composer-changed");
  }, { once: true });
})();
