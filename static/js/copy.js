// Copy buttons on the citation page: progressive enhancement. Without JavaScript the
// buttons stay hidden and the citations are ordinary selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.innerText.trim()).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      }, function () {
        button.textContent = "Press Ctrl+C to copy";
        window.getSelection().selectAllChildren(target);
      });
    });
  });
})();
