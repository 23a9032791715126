// Live totals of the plan editor: the estimate and the funding balance follow the form as the user types, and the
// server's preview (the same pricing as saving, with the expected subsidy) replaces them a moment later. The
// server stays the authority: nothing is saved until "保存新版本", which recomputes everything.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  var panel = document.getElementById("plan-totals");
  if (!form || !panel) { return; }
  var out = {
    estimate: document.getElementById("live-estimate"),
    funding: document.getElementById("live-funding-total"),
    balance: document.getElementById("live-balance"),
    subsidy: document.getElementById("live-subsidy"),
    status: document.getElementById("live-status")
  };

  // Money in fen (integers), so sums are exact; a quantity × rate product is rounded half up to the fen.
  function fen(text) {
    var s = String(text || "").trim();
    if (!/^\d+(\.\d+)?$/.test(s)) { return s === "" ? 0 : null; }
    var parts = s.split(".");
    var frac = (parts[1] || "") + "000";
    var units = parseInt(parts[0], 10) * 100 + parseInt(frac.slice(0, 2), 10);
    return parseInt(frac.charAt(2), 10) >= 5 ? units + 1 : units;
  }
  function product(qtyText, rateFen) {
    var q = String(qtyText || "").trim();
    if (q === "") { return 0; }
    if (!/^\d+(\.\d+)?$/.test(q) || rateFen === null) { return null; }
    var decimals = (q.split(".")[1] || "").length;
    var scaled = parseInt(q.replace(".", ""), 10) * rateFen;  // fen × 10^decimals
    var div = Math.pow(10, decimals);
    return Math.floor(scaled / div) + ((scaled % div) * 2 >= div ? 1 : 0);
  }
  function yuan(f) {
    var neg = f < 0, a = Math.abs(f);
    var s = Math.floor(a / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var c = String(a % 100);
    return (neg ? "-" : "") + s + "." + (c.length < 2 ? "0" + c : c);
  }
  function show(el, f) { if (el) { el.textContent = f === null ? "—" : yuan(f); } }

  function local() {
    var estimate = 0, funding = 0, bad = false;
    form.querySelectorAll("#items tbody tr[data-item]").forEach(function (row) {
      var id = row.dataset.item;
      var box = row.querySelector("input[name=item]");
      if (!box || !box.checked) { return; }
      var rateInput = row.querySelector("input[name='rate_" + id + "']");
      var rateText = rateInput && rateInput.value.trim() !== "" ? rateInput.value : (rateInput ? rateInput.placeholder : "");
      var amount = product((row.querySelector("input[name='qty_" + id + "']") || {}).value, fen(rateText));
      if (amount === null) { bad = true; } else { estimate += amount; }
    });
    form.querySelectorAll("input[name^='fund_']").forEach(function (input) {
      var f = fen(input.value);
      if (f === null) { bad = true; } else { funding += f; }
    });
    show(out.estimate, bad ? null : estimate);
    show(out.funding, bad ? null : funding);
    show(out.balance, bad ? null : estimate - funding);
    panel.dataset.balanced = !bad && estimate === funding ? "1" : "0";
  }

  var timer = null, seq = 0;
  function preview() {
    var mine = ++seq;
    panel.dataset.state = "pending";
    fetch(panel.dataset.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "" },
      body: new FormData(form)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (mine !== seq) { return; }  // a later keystroke has its own answer coming
      if (!res.ok) {
        panel.dataset.state = "error";
        if (out.status) { out.status.textContent = res.data.error || ""; }
        return;
      }
      var d = res.data;
      show(out.estimate, fen(d.estimate));
      show(out.funding, fen(d.funding_total));
      show(out.balance, fen(d.estimate) - fen(d.funding_total));
      show(out.subsidy, fen(d.subsidy_amount));
      panel.dataset.balanced = d.balance === "0.00" ? "1" : "0";
      panel.dataset.state = "server";
      if (out.status) { out.status.textContent = ""; }
    }).catch(function () {
      if (mine === seq) { panel.dataset.state = "offline"; }
    });
  }
  function changed() {
    local();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(preview, 400);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  local();
  preview();
})();
