/* Record page: outline each field's value on its page image (boxes from the record). */
"use strict";
(function () {
  const boxes = JSON.parse(document.getElementById("boxes-data").textContent);
  for (const frame of document.querySelectorAll(".page-frame[data-page]")) {
    const layer = frame.querySelector(".boxes");
    for (const b of boxes) {
      if (String(b.page) !== frame.dataset.page) continue;
      const [x0, y0, x1, y1] = b.bbox;
      const box = document.createElement("div");
      box.className = "box" + (b.valid ? "" : " invalid");
      box.title = b.title;
      box.dataset.field = b.field;
      box.style.left = x0 * 100 + "%";
      box.style.top = y0 * 100 + "%";
      box.style.width = Math.max(0.002, x1 - x0) * 100 + "%";
      box.style.height = Math.max(0.002, y1 - y0) * 100 + "%";
      layer.appendChild(box);
    }
  }
})();
