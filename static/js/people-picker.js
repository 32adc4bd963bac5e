/* The people picker (accounts/widgets.py): a filter box over the checkboxes and a live
   list of who is chosen. Progressive enhancement: without this file the checkboxes
   work as they are. Filtering only hides rows; a hidden checkbox keeps its state and
   is still sent with the form. */
(function () {
  "use strict";

  function fold(text) {
    return text.toLocaleLowerCase("sv").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function setUp(picker) {
    var tools = picker.querySelector(".people-picker-tools");
    var filter = picker.querySelector("[data-picker-filter]");
    var chosen = picker.querySelector("[data-picker-chosen]");
    var empty = picker.querySelector("[data-picker-empty]");
    var others = picker.querySelector("[data-picker-others]");
    var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-option]"));
    if (!tools || !filter || !chosen) {
      return;
    }
    tools.hidden = false;

    function showChosen() {
      var names = rows
        .filter(function (row) { return row.querySelector("input").checked; })
        .map(function (row) { return row.textContent.trim(); });
      chosen.textContent = names.length
        ? chosen.getAttribute("data-prefix") + " " + names.join("; ")
        : chosen.getAttribute("data-none");
    }

    function applyFilter() {
      var query = fold(filter.value.trim());
      var shown = 0;
      rows.forEach(function (row) {
        var match = !query || fold(row.textContent).indexOf(query) !== -1;
        row.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      picker.querySelectorAll(".people-picker-group").forEach(function (group) {
        var visible = group.querySelector("[data-picker-option]:not([hidden])");
        group.hidden = !visible;
      });
      if (others && query) {
        others.open = true;
      }
      if (empty) {
        empty.hidden = shown > 0;
      }
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter in the filter never submits the form
      }
    });
    picker.addEventListener("change", showChosen);
    showChosen();
  }

  document.querySelectorAll("[data-people-picker]").forEach(setUp);
})();
