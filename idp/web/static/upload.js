/* Upload page: choose or drop several files, pick a document type, upload them in one
   request, then follow each document's progress until it has an outcome. */
"use strict";
(function () {
  const { t, api, say, showAlert } = window.idp;
  const el = (id) => document.getElementById(id);
  const canReview = document.currentScript.dataset.canReview === "true";
  const status = el("status");
  const input = el("files");
  const zone = el("drop-zone");
  const FINAL = new Set(["accepted", "needs_review", "failed"]);
  let dropped = null;

  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (ev) => { ev.preventDefault(); zone.classList.add("dragging"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer && ev.dataTransfer.files.length) {
      dropped = ev.dataTransfer.files;
      try { input.files = ev.dataTransfer.files; dropped = null; } catch (e) { /* keep `dropped` */ }
      say(status, Array.from(ev.dataTransfer.files).map((f) => f.name).join(", "));
    }
  });
  input.addEventListener("change", () => { dropped = null; });

  function statusText(s) { return t("status_" + s); }

  function addRow(file) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = file.name;
    const prog = document.createElement("td");
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", t("progress") + ": " + file.name);
    prog.appendChild(bar);
    const out = document.createElement("td");
    out.textContent = statusText("uploading");
    tr.append(name, prog, out);
    el("uploads").querySelector("tbody").appendChild(tr);
    el("uploads").hidden = false;
    return { tr, bar, out };
  }

  function showOutcome(row, doc) {
    const s = doc.status;
    row.bar.value = FINAL.has(s) ? 100 : Math.round((doc.progress || 0) * 100);
    row.out.textContent = "";
    const label = document.createElement("span");
    label.className = "outcome-" + s;
    label.textContent = statusText(s) || s;
    row.out.appendChild(label);
    if (s === "failed" && doc.errors && doc.errors.length) {
      const why = document.createElement("span");
      why.textContent = " — " + (typeof doc.errors[0] === "string" ? doc.errors[0] : JSON.stringify(doc.errors[0]));
      row.out.appendChild(why);
    }
    if (FINAL.has(s) && s !== "failed") {
      row.out.append(" ");
      const a = document.createElement("a");
      a.href = "/documents/" + encodeURIComponent(doc.id);
      a.textContent = t("open_record");
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ": " + row.tr.firstChild.textContent;
      a.appendChild(hidden);
      row.out.appendChild(a);
      if (s === "needs_review" && canReview) {
        row.out.append(" ");
        const r = document.createElement("a");
        r.href = "/review";
        r.textContent = t("open_review");
        row.out.appendChild(r);
      }
    }
  }

  /** The documents an upload answer lists, whatever its envelope. */
  function documentsOf(data) {
    if (Array.isArray(data)) return data;
    return data.documents || data.items || data.data || [data];
  }

  async function follow(rows, refused) {
    const pending = new Map(rows.map((r) => [r.doc.id, r]));
    while (pending.size) {
      await new Promise((res) => window.setTimeout(res, 800));
      for (const [id, row] of Array.from(pending)) {
        try {
          const r = await api("GET", "/v1/documents/" + encodeURIComponent(id));
          showOutcome(row, r.data);
          if (FINAL.has(r.data.status)) pending.delete(id);
        } catch (err) {
          row.out.textContent = t("error", { detail: err.message });
          pending.delete(id);
        }
      }
    }
    say(status, t("all_done") + (refused ? " " + t("not_accepted_n", { n: refused }) : ""));
  }

  /** Upload one file in its own request, so a bad file is reported on its own row and
      the good ones are accepted all the same. */
  async function uploadOne(file, row, schema) {
    const form = new FormData();
    form.append("files", file, file.name);
    if (schema) form.append("schema", schema);
    try {
      const r = await api("POST", "/v1/documents", form);
      const doc = documentsOf(r.data)[0];
      row.doc = doc;
      showOutcome(row, doc);
      return true;
    } catch (err) {
      row.bar.value = 100;
      row.out.textContent = "";
      const label = document.createElement("span");
      label.className = "outcome-failed";
      label.textContent = t("rejected_file", { reason: err.message });
      row.out.appendChild(label);
      return false;
    }
  }

  el("upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showAlert("");
    const files = Array.from(dropped || input.files || []);
    if (!files.length) {
      showAlert(t("choose_files_first"));
      input.focus();
      return;
    }
    const schema = el("schema").value;
    const rows = files.map(addRow);
    const button = ev.submitter || el("upload-form").querySelector("button");
    button.disabled = true;
    try {
      let accepted = 0;
      for (let i = 0; i < files.length; i++) {
        if (await uploadOne(files[i], rows[i], schema)) accepted++;
      }
      say(status, t("uploaded_n", { n: accepted }) + (accepted < files.length
        ? " " + t("not_accepted_n", { n: files.length - accepted }) : ""));
      input.value = "";
      dropped = null;
      await follow(rows.filter((row) => row.doc), files.length - accepted);
    } finally {
      button.disabled = false;
    }
  });
})();
