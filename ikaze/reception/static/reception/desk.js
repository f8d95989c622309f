/* The arrivals desk: check-ins go to the API; without a link they wait in this browser
   (localStorage) with their idempotency key and are sent when the link returns. A check-in
   sent twice counts once (the key); a conflict is shown, never dropped. */
(function () {
  "use strict";
  var KEY = "ikaze-desk-queue";
  var status = document.getElementById("desk-link");
  var list = document.getElementById("desk-queue");
  if (!status) { return; }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); }
  function csrf() { var i = document.querySelector("input[name=csrfmiddlewaretoken]"); return i ? i.value : ""; }
  function render() {
    var q = load();
    list.textContent = "";
    q.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + " — " + (item.state === "queued" ? status.dataset.queued : item.state === "done" ? status.dataset.sent : status.dataset.conflict + ": " + item.message);
      li.className = "desk-" + item.state;
      list.appendChild(li);
    });
  }
  function showLink() {
    var on = navigator.onLine;
    status.textContent = on ? status.dataset.online : status.dataset.offline;
    status.className = "desk-link " + (on ? "online" : "offline");
  }
  function send(item) {
    return fetch("/api/v1/reception/check-ins", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (r.ok) { item.state = "done"; }
        else { item.state = "conflict"; item.message = (data.error && data.error.message) || String(r.status); }
      });
    });
  }
  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) { return; }
    flushing = true;
    var q = load();
    var pending = q.filter(function (i) { return i.state === "queued"; });
    var chain = Promise.resolve();
    pending.forEach(function (item) {
      chain = chain.then(function () { return send(item); }).then(function () { save(q); render(); });
    });
    chain.catch(function () { /* still no link: they stay queued */ }).then(function () {
      flushing = false; save(q); render();
      if (pending.length && pending.every(function (i) { return i.state === "done"; }) && document.querySelector(".desk-form")) { /* nothing left to do */ }
    });
  }
  document.querySelectorAll("form.desk-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var prefix = form.querySelector("input[name=prefix]").value;
      var get = function (n) { var el = form.querySelector("[name=" + prefix + "-" + n + "]"); return el ? el.value : ""; };
      var unit = form.querySelector("select");
      var item = {
        label: form.parentNode.querySelector("strong").textContent + " → " + unit.options[unit.selectedIndex].text,
        state: "queued",
        body: { unit: get("unit"), people: get("people").split(","), idempotency_key: get("idempotency_key") }
      };
      var q = load();
      if (!q.some(function (i) { return i.body.idempotency_key === item.body.idempotency_key; })) { q.push(item); }
      save(q); render();
      form.querySelector("button").disabled = true;
      form.querySelector(".desk-result").textContent = status.dataset.queued;
      flush();
    });
  });
  window.addEventListener("online", function () { showLink(); flush(); });
  window.addEventListener("offline", showLink);
  showLink(); render(); flush();
}());
