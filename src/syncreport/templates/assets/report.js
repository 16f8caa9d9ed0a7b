/* syncreport: the HTML report's only script, inline and allowed by the page's Content-Security-Policy (its
   hash); it fetches nothing. Without it every table is complete and in its report order: the script only
   adds, above each table marked data-interactive, a filter by team and by status, a search by key or text,
   sortable column headers, and a printable view. Rows are hidden, never removed. */
(function () {
  "use strict";
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function labelled(text, control) {
    var l = document.createElement("label");
    l.textContent = text + " ";
    l.appendChild(control);
    return l;
  }

  function values(rows, attribute) {
    var seen = {};
    rows.forEach(function (row) {
      (row.getAttribute(attribute) || "").split("|").forEach(function (v) {
        if (v) { seen[v] = true; }
      });
    });
    return Object.keys(seen).sort(collator.compare);
  }

  function setUp(table, index) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var bar = document.createElement("div");
    bar.className = "controls";
    bar.setAttribute("role", "search");
    var team = document.createElement("select");
    team.name = "team-" + index;
    option(team, "", "all teams");
    values(rows, "data-team").forEach(function (t) { option(team, t, t); });
    var status = document.createElement("select");
    status.name = "status-" + index;
    option(status, "", "all statuses");
    values(rows, "data-status").forEach(function (s) { option(status, s, s.replace(/_/g, " ")); });
    var search = document.createElement("input");
    search.type = "search";
    search.name = "search-" + index;
    search.placeholder = "key or text";
    var count = document.createElement("span");
    count.className = "count";
    count.setAttribute("aria-live", "polite");
    bar.appendChild(labelled("Team", team));
    bar.appendChild(labelled("Status", status));
    bar.appendChild(labelled("Search", search));
    bar.appendChild(count);

    function apply() {
      var wanted = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var teams = (row.getAttribute("data-team") || "").split("|");
        var ok = (!team.value || teams.indexOf(team.value) >= 0) &&
          (!status.value || row.getAttribute("data-status") === status.value) &&
          (!wanted || row.textContent.toLowerCase().indexOf(wanted) >= 0);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    team.addEventListener("change", apply);
    status.addEventListener("change", apply);
    search.addEventListener("input", apply);
    table.parentNode.insertBefore(bar, table);
    apply();

    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, column) {
      if (!th.hasAttribute("data-sort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          if (other.hasAttribute("aria-sort")) { other.setAttribute("aria-sort", "none"); }
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-sort") === "num";
        function key(row) {
          var cell = row.cells[column];
          var value = cell ? (cell.getAttribute("data-sort-value") || cell.textContent.trim()) : "";
          return numeric ? parseFloat(value) : value;
        }
        var sorted = rows.slice().sort(function (a, b) {
          var x = key(a), y = key(b);
          var order = numeric ? (isNaN(x) ? -Infinity : x) - (isNaN(y) ? -Infinity : y) : collator.compare(x, y);
          return ascending ? order : -order;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function printable() {
    document.body.classList.add("printable");
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
    window.print();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-interactive]"), setUp);
    var nav = document.querySelector("nav.contents");
    if (nav) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "printable-view";
      button.textContent = "Printable view";
      button.addEventListener("click", printable);
      nav.appendChild(button);
    }
    document.documentElement.classList.add("js");
  });
})();
