/* Reviewer page: claim the next document, show its page image (zoom, pan, rotate) with the
   fields' boxes outlined, explain why it needs review, let the reviewer correct fields (an
   invalid value stays as typed, with the reason), undo, approve or reject — every action
   reachable by keyboard, one Tab stop per field. */
"use strict";
(function () {
  const { t, te, api, say, showAlert } = window.idp;
  const el = (id) => document.getElementById(id);
  const status = el("status");
  const schemas = JSON.parse(el("schemas").textContent);
  const state = {
    docId: null, record: null, order: [], page: 1, active: null, skipped: new Set(),
    done: false, undo: [], altIndex: {}, busy: false, saving: null,
  };
  const view = { zoom: 1, angle: 0, x: 0, y: 0 };

  // --- what a field is called and why it needs attention ---------------------------------
  function specOf(name) {
    const schema = schemas[state.record && state.record.schema];
    return (schema && schema.fields[name]) || null;
  }

  function titleOf(name) {
    const spec = specOf(name);
    if (spec) return spec.title;
    const s = name.replace(/_/g, " ");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function formatValue(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "boolean") return v ? "yes" : "no";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  /** What the input shows: the typed text of an invalid field (never wiped), else the value. */
  function shownText(f) {
    if (!f) return "";
    if ((f.errors || []).length && f.text) return f.text;
    if (f.value === null || f.value === undefined) return f.text || "";
    return formatValue(f.value);
  }

  function percent(x) { return Math.round((x || 0) * 100); }

  /** Why one field needs the reviewer, or null when it does not. */
  function reasonFor(name) {
    const f = state.record.fields[name] || {};
    const spec = specOf(name);
    const field = titleOf(name);
    if ((f.errors || []).length) return t("reason_invalid", { field, errors: f.errors.map(te).join("; ") });
    if (f.extractor === "review") return null;  // a person set it
    if ((f.value === null || f.value === undefined) && spec && spec.required) return t("reason_missing", { field });
    if (spec && f.value !== null && f.value !== undefined && (f.confidence || 0) < spec.threshold) {
      return t("reason_low", { field, confidence: percent(f.confidence), threshold: percent(spec.threshold) });
    }
    return null;
  }

  function needsAttention(name) {
    const f = state.record.fields[name] || {};
    return !f.valid || (f.errors || []).length > 0;
  }

  function renderReasons() {
    const box = el("reasons");
    const list = box.querySelector("ul");
    list.textContent = "";
    const reasons = state.order.map(reasonFor).filter(Boolean);
    for (const e of state.record.errors || []) reasons.push(t("reason_record", { error: te(e) }));
    for (const r of reasons) {
      const li = document.createElement("li");
      li.textContent = r;
      list.appendChild(li);
    }
    box.hidden = reasons.length === 0;
  }

  // --- the queue ------------------------------------------------------------------------
  async function loadNext() {
    showAlert("");
    say(status, t("loading"));
    const params = new URLSearchParams();
    for (const id of state.skipped) params.append("skip", id);
    const query = params.toString() ? "?" + params.toString() : "";
    try {
      const r = await api("POST", "/v1/review/next" + query);
      if (r.status === 204) {
        state.docId = null;
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
    Object.assign(state, { docId, record: r.data.record, order: r.data.review_order, done: false,
      active: null, undo: [], altIndex: {} });
    el("empty").hidden = true;
    el("workspace").hidden = false;
    el("doc-name").textContent = state.record.source.filename;
    const until = new Date(expiresAt || r.data.claim_expires_at);
    el("claim").textContent = t("claimed_until", { time: until.toLocaleTimeString(document.documentElement.lang) });
    setActionsEnabled(true);
    el("undo").disabled = true;
    renderPageTabs();
    const first = state.order.map((n) => state.record.fields[n]).find((f) => f && f.page);
    resetView();
    showPage(first ? first.page : 1);
    renderFields();
    renderReasons();
    say(status, state.record.source.filename);
    // Start where the work is: the least certain field.
    const firstInput = el("field-list").querySelector("input");
    if (firstInput) firstInput.focus();
  }

  // --- the page image: pages, boxes, zoom, pan, rotate ------------------------------------
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
      box.className = "box" + (needsAttention(name) ? " invalid" : "") + (state.active === name ? " active" : "");
      box.dataset.field = name;
      box.style.left = x0 * 100 + "%";
      box.style.top = y0 * 100 + "%";
      box.style.width = Math.max(0.002, x1 - x0) * 100 + "%";
      box.style.height = Math.max(0.002, y1 - y0) * 100 + "%";
      layer.appendChild(box);
    }
  }

  function applyView() {
    el("stage").style.transform =
      "translate(" + view.x + "px," + view.y + "px) rotate(" + view.angle + "deg) scale(" + view.zoom + ")";
    el("zoom-level").textContent = t("zoom_level", { zoom: Math.round(view.zoom * 100), angle: view.angle });
  }

  function resetView() {
    Object.assign(view, { zoom: 1, angle: 0, x: 0, y: 0 });
    applyView();
  }

  function zoomBy(factor) {
    view.zoom = Math.min(8, Math.max(0.5, view.zoom * factor));
    applyView();
  }

  function rotate() {
    view.angle = (view.angle + 90) % 360;
    applyView();
  }

  function pan(dx, dy) {
    view.x += dx;
    view.y += dy;
    applyView();
  }

  /** Move the page so the active field's box is in the middle of the viewer. */
  function centreOn(name) {
    const f = state.record.fields[name];
    const img = el("page-image");
    if (!f || !f.bbox || !img.clientWidth) return;
    const w = img.clientWidth, h = img.clientHeight;
    const px = ((f.bbox[0] + f.bbox[2]) / 2 - 0.5) * w * view.zoom;
    const py = ((f.bbox[1] + f.bbox[3]) / 2 - 0.5) * h * view.zoom;
    const a = (view.angle * Math.PI) / 180;
    const rx = px * Math.cos(a) - py * Math.sin(a);
    const ry = px * Math.sin(a) + py * Math.cos(a);
    const vh = el("viewer").clientHeight;
    view.x = view.zoom > 1 || view.angle ? -rx : 0;
    view.y = vh / 2 - h / 2 - ry;
    if (view.zoom <= 1 && !view.angle) view.y = Math.min(0, Math.max(vh - h, view.y));
    applyView();
  }

  function viewerKeys(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const step = 40;
    const actions = {
      "+": () => zoomBy(1.25), "=": () => zoomBy(1.25), "-": () => zoomBy(0.8),
      ArrowLeft: () => pan(step, 0), ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step), ArrowDown: () => pan(0, -step),
      r: rotate, R: rotate, "0": resetView,
    };
    const act = actions[ev.key];
    if (act) { ev.preventDefault(); act(); }
  }

  function viewerPointer() {
    const viewer = el("viewer");
    let drag = null;
    viewer.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX, y: ev.clientY };
      viewer.setPointerCapture(ev.pointerId);
      viewer.classList.add("dragging");
    });
    viewer.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      pan(ev.clientX - drag.x, ev.clientY - drag.y);
      drag = { x: ev.clientX, y: ev.clientY };
    });
    const end = () => { drag = null; viewer.classList.remove("dragging"); };
    viewer.addEventListener("pointerup", end);
    viewer.addEventListener("pointercancel", end);
    viewer.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      if (ev.ctrlKey) zoomBy(ev.deltaY < 0 ? 1.1 : 1 / 1.1);
      else pan(-ev.deltaX, -ev.deltaY);
    }, { passive: false });
  }

  // --- fields ---------------------------------------------------------------------------
  function highlight(name) {
    state.active = name;
    const f = state.record.fields[name];
    if (f && f.page && f.page !== state.page) showPage(f.page);
    else drawBoxes();
    for (const li of el("field-list").children) li.classList.toggle("active", li.dataset.field === name);
    centreOn(name);
  }

  function span(text, cls) {
    const s = document.createElement("span");
    s.textContent = text;
    if (cls) s.className = cls;
    return s;
  }

  /** The parts of a field's entry that change when it is saved (all but the input). */
  function fillDetails(li, name) {
    const f = state.record.fields[name] || {};
    const spec = specOf(name);
    const bad = needsAttention(name);
    li.className = "field" + (bad ? " invalid" : "") + (state.active === name ? " active" : "");
    const meta = li.querySelector(".meta");
    meta.textContent = "";
    meta.append(span(bad ? t("invalid") : t("valid"), bad ? "flag bad" : "flag ok"));
    if (spec) meta.append(span(t("type") + ": " + t("type_" + spec.type)));
    meta.append(span(t("confidence") + ": " + percent(f.confidence) + "%"));
    if (spec) meta.append(span(t("threshold") + ": " + percent(spec.threshold) + "%"));
    if (spec && spec.required) meta.append(span(t("required")));
    if (f.label) meta.append(span(t("on_form") + ": “" + f.label + "”"));
    if (f.text && f.extractor !== "review" && f.text !== shownText(f)) meta.append(span(t("read_as") + ": “" + f.text + "”"));
    const why = li.querySelector(".why");
    const reason = reasonFor(name);
    why.hidden = !reason || (f.errors || []).length > 0;
    why.textContent = reason || "";
    const errs = li.querySelector(".errors");
    errs.textContent = "";
    for (const e of f.errors || []) {
      const item = document.createElement("li");
      item.textContent = te(e);
      errs.appendChild(item);
    }
    errs.hidden = !(f.errors || []).length;
    const alts = li.querySelector(".alternatives");
    alts.textContent = "";
    const candidates = (f.alternatives || []).filter((a) => a.value !== null && a.value !== undefined);
    alts.hidden = candidates.length === 0;
    if (candidates.length) {
      alts.append(span(t("candidates") + ": "));
      for (const a of candidates.slice(0, 3)) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link-like";
        b.tabIndex = -1;  // one Tab stop per field: Alt+Down reaches candidates by keyboard
        b.textContent = formatValue(a.value) + " (" + percent(a.confidence) + "%)";
        b.setAttribute("aria-label", t("use_candidate", { value: formatValue(a.value) }));
        b.addEventListener("click", () => useCandidate(name, formatValue(a.value)));
        alts.append(b, " ");
      }
    }
    const input = li.querySelector("input");
    if (bad) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    const described = [meta.id];
    if (!why.hidden) described.push(why.id);
    if (!errs.hidden) described.push(errs.id);
    input.setAttribute("aria-describedby", described.join(" "));
  }

  function fieldItem(name) {
    const f = state.record.fields[name] || {};
    const li = document.createElement("li");
    li.dataset.field = name;
    li.id = "field-" + name;
    const label = document.createElement("label");
    label.htmlFor = "f-" + name;
    label.textContent = titleOf(name);
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.id = "meta-" + name;
    const why = document.createElement("p");
    why.className = "why";
    why.id = "why-" + name;
    const errs = document.createElement("ul");
    errs.className = "errors";
    errs.id = "errors-" + name;
    const input = document.createElement("input");
    input.type = "text";
    input.id = "f-" + name;
    input.name = name;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.value = shownText(f);
    input.dataset.saved = input.value;
    input.placeholder = input.value ? "" : t("no_value");
    input.addEventListener("focus", () => { highlight(name); input.select(); });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); saveField(name, true); }
      if (ev.key === "ArrowDown" && ev.altKey && !ev.shiftKey) { ev.preventDefault(); cycleCandidate(name); }
      if (ev.key === "Escape" && input.value !== input.dataset.saved) { ev.preventDefault(); input.value = input.dataset.saved; }
    });
    input.addEventListener("change", () => saveField(name, false));
    const alts = document.createElement("p");
    alts.className = "alternatives";
    li.append(label, meta, why, errs, input, alts);
    li.addEventListener("click", () => highlight(name));
    fillDetails(li, name);
    return li;
  }

  function renderFields() {
    const list = el("field-list");
    list.textContent = "";
    for (const name of state.order) list.appendChild(fieldItem(name));
  }

  function cycleCandidate(name) {
    const f = state.record.fields[name] || {};
    const candidates = (f.alternatives || []).filter((a) => a.value !== null && a.value !== undefined);
    if (!candidates.length) return;
    const i = (state.altIndex[name] || 0) % candidates.length;
    state.altIndex[name] = i + 1;
    const input = el("f-" + name);
    input.value = formatValue(candidates[i].value);
    input.select();
  }

  function useCandidate(name, text) {
    const input = el("f-" + name);
    input.value = text;
    input.focus();
    saveField(name, true);
  }

  /** Save what the input holds; invalid text stays in the input, with the reason shown. */
  function saveField(name, moveOn, undoing) {
    if (state.done) return Promise.resolve();
    // One save at a time; approving waits for the save in flight.
    state.saving = (state.saving || Promise.resolve()).then(() => doSave(name, moveOn, undoing));
    return state.saving;
  }

  async function doSave(name, moveOn, undoing) {
    if (state.done) return;
    const input = el("f-" + name);
    const text = input.value.trim();
    if (text === (input.dataset.saved || "").trim()) {
      if (moveOn && !needsAttention(name)) focusNextInvalid(name, true);
      return;
    }
    showAlert("");
    state.busy = true;
    const previous = input.dataset.saved || "";
    try {
      const r = await api("PUT", "/v1/review/" + encodeURIComponent(state.docId) + "/fields/" + encodeURIComponent(name), { value: text });
      state.record.fields[name] = r.data;
      if (!undoing) state.undo.push({ name, text: previous });
      el("undo").disabled = state.undo.length === 0;
      const saved = shownText(r.data) || text;
      const typedSince = input.value.trim() !== text;  // the reviewer typed on meanwhile
      if (!typedSince) input.value = saved;
      input.dataset.saved = saved;
      input.placeholder = input.value ? "" : t("no_value");
      fillDetails(el("field-" + name), name);
      renderReasons();
      drawBoxes();
      const field = titleOf(name);
      if ((r.data.errors || []).length) {
        say(status, t("not_saved", { field, errors: r.data.errors.map(te).join("; ") }));
        input.focus();
        if (!typedSince) input.select();
      } else {
        const done = state.order.every((n) => !needsAttention(n));
        say(status, (undoing ? t("undone", { field }) : t("saved", { field })) + (done ? " " + t("all_valid_now") : ""));
        if (moveOn && !typedSince) focusNextInvalid(name, true);
      }
    } catch (err) {
      showAlert(t("error", { detail: te(err.message) }));
      input.focus();
    } finally {
      state.busy = false;
    }
  }

  /** Focus the next field that needs attention after ``from``; stay put when none does. */
  function focusNextInvalid(from, quiet) {
    const order = state.order;
    const start = Math.max(-1, order.indexOf(from));
    for (let k = 1; k <= order.length; k++) {
      const name = order[(start + k) % order.length];
      if (needsAttention(name) && name !== from) { el("f-" + name).focus(); return; }
    }
    if (!quiet) say(status, t("no_invalid"));
  }

  async function undo() {
    if (state.done || !state.undo.length) { say(status, t("nothing_to_undo")); return; }
    const last = state.undo.pop();
    const input = el("f-" + last.name);
    input.value = last.text;
    input.focus();
    await saveField(last.name, false, true);
    el("undo").disabled = state.undo.length === 0;
  }

  // --- decisions ------------------------------------------------------------------------
  function setActionsEnabled(on) {
    for (const id of ["approve", "reject", "undo"]) el(id).disabled = !on;
    // Decided: the fields stay focusable (read-only) so the list can still be read and
    // scrolled by keyboard; only the candidate buttons are switched off.
    for (const input of el("field-list").querySelectorAll("input")) input.readOnly = !on;
    for (const button of el("field-list").querySelectorAll("button")) button.disabled = !on;
  }

  async function approve() {
    if (state.done || !state.docId) return;
    await state.saving;
    showAlert("");
    const failing = state.order.filter(needsAttention);
    if (failing.length) {
      showAlert(t("cannot_approve", { fields: failing.map(titleOf).join(", ") }));
      el("f-" + failing[0]).focus();
      return;
    }
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
    if (state.done || !state.docId) return;
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
      el("reject-reason").removeAttribute("aria-invalid");
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
  el("undo").addEventListener("click", undo);
  el("zoom-in").addEventListener("click", () => zoomBy(1.25));
  el("zoom-out").addEventListener("click", () => zoomBy(0.8));
  el("rotate").addEventListener("click", rotate);
  el("fit").addEventListener("click", resetView);
  el("viewer").addEventListener("keydown", viewerKeys);
  el("page-image").addEventListener("load", () => { drawBoxes(); if (state.active) centreOn(state.active); });
  viewerPointer();
  document.addEventListener("keydown", (ev) => {
    if (!ev.altKey || !ev.shiftKey || !state.docId) return;
    const keys = {
      KeyA: approve, KeyN: next, KeyU: undo,
      KeyR: () => toggleReject(true),
      KeyI: () => focusNextInvalid(state.active, false),
    };
    const act = keys[ev.code];
    if (act) { ev.preventDefault(); act(); }
  });
  applyView();
  loadNext();
})();
