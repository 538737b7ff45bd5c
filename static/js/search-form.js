// The search form, progressive enhancement: leave empty fields (an empty year, the default
// order) out of the URL it makes, so that a search reads ?q=… and nothing more. Without
// JavaScript the form submits them all, which the page reads the same.
(function () {
  "use strict";
  document.querySelectorAll("form.search-box").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string" && value.trim() !== "") { params.append(name, value); }
      });
      event.preventDefault();
      var query = params.toString();
      window.location.assign(form.action + (query ? "?" + query : ""));
    });
  });
})();
