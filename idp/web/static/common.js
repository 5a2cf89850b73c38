/* Shared by the pages: messages, CSRF-aware fetch, problem+json errors. No framework. */
"use strict";
(function () {
  const catalogue = JSON.parse(document.getElementById("messages").textContent);
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const patternsEl = document.getElementById("error-patterns");
  const errorPatterns = (patternsEl ? JSON.parse(patternsEl.textContent) : [])
    .map(([re, text]) => [new RegExp(re), text]);

  /** A validator message in the page's language (English messages map to Welsh ones). */
  function te(message) {
    for (const [re, text] of errorPatterns) {
      if (re.test(message)) return message.replace(re, text);
    }
    return message;
  }

  /** A date and time in the page's language. */
  function when(value) {
    const d = new Date(value);
    return isNaN(d) ? String(value || "") : d.toLocaleString(document.documentElement.lang);
  }

  /** A message from the catalogue with {placeholders} filled in. */
  function t(key, params) {
    let text = catalogue[key] || key;
    for (const [k, v] of Object.entries(params || {})) text = text.split("{" + k + "}").join(String(v));
    return text;
  }

  /** Call the API with the session cookie; unsafe methods carry the CSRF token. */
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET" && csrfMeta) headers["X-CSRF-Token"] = csrfMeta.content;
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    if (response.status === 401) {
      window.location.assign("/sign-in?next=" + encodeURIComponent(window.location.pathname));
      throw new Error("signed out");
    }
    let data = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("json")) data = await response.json();
    if (!response.ok) {
      const err = new Error((data && (data.detail || data.title)) || response.statusText);
      err.status = response.status;
      throw err;
    }
    return { status: response.status, data, headers: response.headers };
  }

  /** Show text in an element (a live region announces it). */
  function say(el, text) {
    el.textContent = "";
    // A fresh text node makes screen readers announce a repeated message again.
    window.setTimeout(() => { el.textContent = text; }, 30);
  }

  function showAlert(text) {
    const box = document.getElementById("alert");
    if (!box) return;
    box.hidden = !text;
    box.textContent = "";
    if (text) {
      const p = document.createElement("p");
      p.textContent = text;
      box.appendChild(p);
    }
  }

  window.idp = { t, te, when, api, say, showAlert };
})();
