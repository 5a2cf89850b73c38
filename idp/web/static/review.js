/* Reviewer page: claim the next document, draw its fields' boxes on the page image, let the
   reviewer correct fields, approve or reject — every action reachable by keyboard. */
"use strict";
(function () {
  const { t, api, say, showAlert } = window.idp;
  const el = (id) => document.getElementById(id);
  const status = el("status");
  const state = { docId: null, record: null, order: [], page: 1, active: null, skipped: new Set(), done: false };

  function humanise(name) {
    const s = name.replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function formatValue(v) {
    if (v === null || v === undefined) return "";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  async function loadNext() {
    showAlert("");
    say(status, t("loading"));
    const params = new URLSearchParams();
    for (const id of state.skipped) params.append("skip", id);
    const query = params.toString() ? "?" + params.toString() : "";
    try {
      const r = await api("POST", "/v1/review/next" + query);
      if (r.status === 204) {
        el("workspace").hidden = true;
        el("empty").hidden = false;
        say(status, t("queue_empty"));
        return;
      }
      await openDocument(r.data.document_id, r.data.claim_expires_at);
    } catch (err) {
      showAlert(t("error", { detail: err.message }));
    }
  }

  async function openDocument(docId, expiresAt) {
    const r = await api("GET", "/v1/review/" + encodeURIComponent(docId));
    state.docId = docId;
    state.record = r.data.record;
    state.order = r.data.review_order;
    state.done = false;
    state.active = null;
    el("empty").hidden = true;
    el("workspace").hidden = false;
    el("doc-name").textContent = state.record.source.filename;
    const until = new Date(expiresAt || r.data.claim_expires_at);
    el("claim").textContent = t("claimed_until", { time: until.toLocaleTimeString(document.documentElement.lang) });
    setActionsEnabled(true);
    renderPageTabs();
    const first = state.order.map((n) => state.record.fields[n]).find((f) => f && f.page);
    showPage(first ? first.page : 1);
    renderFields();
    say(status, state.record.source.filename);
    // Start where the work is: the least certain field.
    const firstInput = el("field-list").querySelector("input");
    if (firstInput) firstInput.focus();
  }

  function renderPageTabs() {
    const pages = Math.max(1, state.record.source.pages || 1);
    const nav = el("page-tabs");
    const list = nav.querySelector("ul");
    list.textContent = "";
    nav.hidden = pages < 2;
    for (let n = 1; n <= pages; n++) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = t("page_n", { n });
      b.dataset.page = String(n);
      b.addEventListener("click", () => showPage(n));
      li.appendChild(b);
      list.appendChild(li);
    }
  }

  function showPage(n) {
    state.page = n;
    const img = el("page-image");
    const src = "/v1/documents/" + encodeURIComponent(state.docId) + "/pages/" + n;
    if (img.getAttribute("src") !== src) img.src = src;
    img.alt = t("page_image", { n, filename: state.record.source.filename });
    for (const b of el("page-tabs").querySelectorAll("button")) {
      b.setAttribute("aria-current", b.dataset.page === String(n) ? "true" : "false");
    }
    drawBoxes();
  }

  function drawBoxes() {
    const layer = el("boxes");
    layer.textContent = "";
    for (const [name, f] of Object.entries(state.record.fields || {})) {
      if (!f || !f.bbox || (f.page || 1) !== state.page) continue;
      const [x0, y0, x1, y1] = f.bbox;
      const box = document.createElement("div");
      box.className = "box" + (f.valid ? "" : " invalid") + (state.active === name ? " active" : "");
      box.dataset.field = name;
      box.style.left = x0 * 100 + "%";
      box.style.top = y0 * 100 + "%";
      box.style.width = Math.max(0.002, x1 - x0) * 100 + "%";
      box.style.height = Math.max(0.002, y1 - y0) * 100 + "%";
      layer.appendChild(box);
    }
  }

  function highlight(name) {
    state.active = name;
    const f = state.record.fields[name];
    if (f && f.page && f.page !== state.page) showPage(f.page);
    else drawBoxes();
    for (const li of el("field-list").children) li.classList.toggle("active", li.dataset.field === name);
  }

  function fieldItem(name) {
    const f = state.record.fields[name] || {};
    const li = document.createElement("li");
    li.className = "field" + (f.valid && !(f.errors || []).length ? "" : " invalid");
    li.dataset.field = name;
    li.id = "field-" + name;
    const inputId = "f-" + name;
    const label = document.createElement("label");
    label.htmlFor = inputId;
    label.textContent = humanise(name);
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.id = "meta-" + name;
    const conf = document.createElement("span");
    conf.textContent = t("confidence") + ": " + Math.round((f.confidence || 0) * 100) + "%";
    const validity = document.createElement("span");
    validity.textContent = f.valid && !(f.errors || []).length ? t("valid") : t("invalid");
    meta.append(conf, validity);
    if ((f.value === null || f.value === undefined) && f.text) {
      const read = document.createElement("span");
      read.textContent = "“" + f.text + "”";
      meta.append(read);
    }
    const describedBy = [meta.id];
    li.append(label, meta);
    if ((f.errors || []).length) {
      const errs = document.createElement("ul");
      errs.className = "errors";
      errs.id = "errors-" + name;
      for (const e of f.errors) {
        const item = document.createElement("li");
        item.textContent = e;
        errs.appendChild(item);
      }
      li.appendChild(errs);
      describedBy.push(errs.id);
    }
    const row = document.createElement("div");
    row.className = "row";
    const input = document.createElement("input");
    input.type = "text";
    input.id = inputId;
    input.name = name;
    input.value = formatValue(f.value);
    input.placeholder = f.value === null || f.value === undefined ? t("no_value") : "";
    input.setAttribute("aria-describedby", describedBy.join(" "));
    if (!(f.valid && !(f.errors || []).length)) input.setAttribute("aria-invalid", "true");
    input.addEventListener("focus", () => highlight(name));
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        saveField(name);
      }
    });
    const save = document.createElement("button");
    save.type = "button";
    save.className = "secondary";
    save.textContent = t("save");
    const hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " " + humanise(name);
    save.appendChild(hidden);
    save.addEventListener("click", () => saveField(name));
    row.append(input, save);
    li.appendChild(row);
    li.addEventListener("click", () => highlight(name));
    return li;
  }

  function renderFields() {
    const list = el("field-list");
    list.textContent = "";
    for (const name of state.order) list.appendChild(fieldItem(name));
  }

  async function saveField(name) {
    if (state.done) return;
    const input = el("f-" + name);
    showAlert("");
    try {
      const r = await api("PUT", "/v1/review/" + encodeURIComponent(state.docId) + "/fields/" + encodeURIComponent(name), { value: input.value });
      state.record.fields[name] = r.data;
      const old = el("field-" + name);
      const fresh = fieldItem(name);
      old.replaceWith(fresh);
      highlight(name);
      el("f-" + name).focus();
      say(status, t("saved", { field: humanise(name) }) + (r.data.errors.length ? " " + r.data.errors.join(" ") : ""));
    } catch (err) {
      showAlert(t("error", { detail: err.message }));
    }
  }

  function setActionsEnabled(on) {
    el("approve").disabled = !on;
    el("reject").disabled = !on;
    for (const input of el("field-list").querySelectorAll("input, button")) input.disabled = !on;
  }

  async function approve() {
    if (state.done || !state.docId) return;
    showAlert("");
    try {
      await api("POST", "/v1/review/" + encodeURIComponent(state.docId) + "/approve");
      finish(t("approved"));
    } catch (err) {
      showAlert(t("error", { detail: err.message }));
    }
  }

  function finish(message) {
    state.done = true;
    setActionsEnabled(false);
    el("reject-form").hidden = true;
    el("reject").setAttribute("aria-expanded", "false");
    say(status, message);
    el("next").focus();
  }

  function toggleReject(open) {
    el("reject-form").hidden = !open;
    el("reject").setAttribute("aria-expanded", open ? "true" : "false");
    if (open) el("reject-reason").focus();
    else el("reject").focus();
  }

  async function reject(ev) {
    ev.preventDefault();
    const reason = el("reject-reason").value.trim();
    if (!reason) {
      el("reject-reason").setAttribute("aria-invalid", "true");
      el("reject-reason").focus();
      return;
    }
    try {
      await api("POST", "/v1/review/" + encodeURIComponent(state.docId) + "/reject", { reason });
      el("reject-reason").value = "";
      finish(t("rejected"));
    } catch (err) {
      showAlert(t("error", { detail: err.message }));
    }
  }

  function next() {
    if (state.docId && !state.done) state.skipped.add(state.docId);
    loadNext();
  }

  el("fields").addEventListener("submit", (ev) => ev.preventDefault());
  el("approve").addEventListener("click", approve);
  el("reject").addEventListener("click", () => toggleReject(el("reject-form").hidden));
  el("reject-cancel").addEventListener("click", () => toggleReject(false));
  el("reject-form").addEventListener("submit", reject);
  el("next").addEventListener("click", next);
  el("page-image").addEventListener("load", drawBoxes);
  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || !ev.shiftKey) return;
    if (ev.code === "KeyA") { ev.preventDefault(); approve(); }
    if (ev.code === "KeyN") { ev.preventDefault(); next(); }
  });
  loadNext();
})();
