/* 有求必应 pages: small progressive enhancements. Every form works without this file. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;          // longest side after downscaling, px
  var SHRINK_ABOVE = 700 * 1024; // photos smaller than this are sent as they are

  function chars(text) { return Array.from(text || "").length; }

  // Live character count for textareas with data-counter="<id of the counter>".
  function bindCounter(area) {
    var out = document.getElementById(area.dataset.counter);
    if (!out) return;
    var max = parseInt(out.dataset.max || area.getAttribute("maxlength") || "0", 10);
    function update() {
      var n = chars(area.value);
      out.textContent = n + " / " + max;
      out.classList.toggle("over", max && n > max);
    }
    area.addEventListener("input", update);
    update();
  }

  // One submit per tap: disable the button once the form is on its way (the idempotency key covers retries).
  function bindOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.busy === "1") { event.preventDefault(); return; }
      form.dataset.busy = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) {
        setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busy) { button.dataset.label = button.textContent; button.textContent = button.dataset.busy; }
        }, 0);
      }
    });
  }
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.dataset.busy = "";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = false; if (button.dataset.label) button.textContent = button.dataset.label; }
    });
  });

  // Photos: at most N files; big photos are downscaled in the browser before upload.
  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.82);
      });
    }).catch(function () { return file; });
  }

  function kb(size) { return size > 1024 * 1024 ? (size / 1024 / 1024).toFixed(1) + " MB" : Math.max(1, Math.round(size / 1024)) + " KB"; }

  function bindPhotos(input) {
    var max = parseInt(input.dataset.maxFiles || "3", 10);
    var list = input.parentNode.querySelector(".photo-list");
    input.addEventListener("change", function () {
      var files = Array.from(input.files || []);
      if (files.length > max) {
        input.value = "";
        if (list) { list.textContent = list.dataset.tooMany; list.classList.add("field-error"); }
        return;
      }
      if (list) list.classList.remove("field-error");
      var form = input.form;
      var buttons = form ? form.querySelectorAll("button[type=submit]") : [];
      var needs = files.some(function (f) { return f.size > SHRINK_ABOVE; });
      function show(items) {
        if (list) list.textContent = items.map(function (f) { return f.name + "（" + kb(f.size) + "）"; }).join("，");
      }
      show(files);
      if (!needs || !window.DataTransfer) return;
      if (list) list.textContent = list.dataset.shrinking || "…";
      buttons.forEach(function (b) { b.disabled = true; });
      Promise.all(files.map(shrink)).then(function (out) {
        try {
          var dt = new DataTransfer();
          out.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
          show(out);
        } catch (e) { show(files); }
      }).finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
    });
  }

  // "这也是我的问题": note the other request's number in the text so staff merge them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-metoo]");
    if (!button) return;
    var area = document.getElementById("description");
    if (area && area.value.indexOf(button.dataset.text) === -1) {
      area.value = button.dataset.text + area.value;
      area.dispatchEvent(new Event("input"));
    }
    button.disabled = true;
  });

  // Queue: select the whole page, and say how many are selected.
  function bindQueue() {
    var all = document.getElementById("select-all");
    var count = document.getElementById("bulk-count");
    var checks = Array.from(document.querySelectorAll(".case-check"));
    if (!checks.length) return;
    function update() {
      var n = checks.filter(function (c) { return c.checked; }).length;
      if (count && n) count.textContent = count.dataset.template.replace("{n}", n);
      if (all) all.checked = n === checks.length;
    }
    checks.forEach(function (c) { c.addEventListener("change", update); });
    if (all) {
      all.addEventListener("change", function () {
        checks.forEach(function (c) { c.checked = all.checked; });
        update();
        checks[checks.length - 1].dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
    update();
  }

  // Building picker (casework/_building_picker.html): typing narrows the list (a lone match is picked);
  // picking a building ticks the place radio it belongs to.
  function bindBuildingPicker(input) {
    var select = document.getElementById(input.dataset.filterSelect);
    if (!select) return;
    var groups = Array.from(select.querySelectorAll("optgroup")).map(function (g) {
      return { group: g, options: Array.from(g.querySelectorAll("option")) };
    });
    function tick() {
      var radio = select.dataset.check && document.getElementById(select.dataset.check);
      if (radio && select.value && !radio.checked) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    }
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = [];
      groups.forEach(function (g) {
        var label = (g.group.label || "").toLowerCase();
        g.options.forEach(function (o) {
          var hit = !q || o.textContent.toLowerCase().indexOf(q) !== -1 || label.indexOf(q) !== -1;
          if (hit && !o.parentNode) g.group.appendChild(o);
          if (!hit && o.parentNode) { if (o.selected) select.value = ""; o.remove(); }
          if (hit) shown.push(o);
        });
        g.group.hidden = !g.group.children.length;
      });
      // Keep the original order when options come back.
      groups.forEach(function (g) { g.options.forEach(function (o) { if (o.parentNode) g.group.appendChild(o); }); });
      if (shown.length === 1) { select.value = shown[0].value; tick(); }
    });
    select.addEventListener("change", tick);
  }

  function init() {
    if (window.matchMedia && window.matchMedia("(min-width: 760px)").matches) {
      document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
    }
    document.querySelectorAll("textarea[data-counter]").forEach(bindCounter);
    document.querySelectorAll("form[data-once]").forEach(bindOnce);
    document.querySelectorAll("input[type=file][data-max-files]").forEach(bindPhotos);
    document.querySelectorAll("input[data-filter-select]").forEach(bindBuildingPicker);
    bindQueue();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
