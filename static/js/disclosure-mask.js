// The secrecy review: "Maskera markerad text" adds the text selected in the original
// to the list of exact strings to mask (one per line). Without JavaScript the handler
// types or pastes the strings; the server checks each is in the record.
(function () {
  "use strict";
  var button = document.getElementById("mask-selection");
  var field = document.getElementById("id_masks");
  var original = document.getElementById("original");
  if (!button || !field || !original) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0) return;
    var range = selection.getRangeAt(0);
    if (!original.contains(range.commonAncestorContainer)) return;
    var lines = selection.toString().split(/\r?\n/).map(function (s) { return s.trim(); })
      .filter(function (s) { return s.length > 0; });
    if (!lines.length) return;
    var current = field.value.split(/\r?\n/).filter(function (s) { return s.trim().length > 0; });
    lines.forEach(function (line) { if (current.indexOf(line) < 0) current.push(line); });
    field.value = current.join("\n");
    field.focus();
  });
})();
