/* Day slot picker: switch days without reloading the page. Progressive enhancement: every day
   link works as a plain link (the server renders the chosen day); with JavaScript the link's
   page is fetched and only the picker is swapped in. No inline script (CSP). */
(function () {
  "use strict";
  var PICKER = "[data-slot-picker]";

  function swap(url, push) {
    var current = document.querySelector(PICKER);
    if (!current) { window.location.href = url; return; }
    current.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(PICKER);
        if (!fresh) { throw new Error("no picker"); }
        current.replaceWith(fresh);
        var messages = document.querySelector(".messages");
        var freshMessages = doc.querySelector(".messages");
        if (messages) { messages.remove(); }
        if (freshMessages) { document.querySelector("main").prepend(freshMessages); }
        if (push) { window.history.pushState({ picker: true }, "", url); }
        // Keep keyboard and screen-reader users where the content changed.
        var title = fresh.querySelector("[data-testid=day-title]");
        if (title) {
          title.setAttribute("tabindex", "-1");
          title.focus({ preventScroll: true });
        }
        var checked = fresh.querySelector("input[name=start]:checked");
        if (checked) { checked.scrollIntoView({ block: "center" }); }
      })
      .catch(function () { window.location.href = url; });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-day-link]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    swap(link.href, true);
  });

  window.addEventListener("popstate", function () {
    if (document.querySelector(PICKER)) { swap(window.location.href, false); }
  });
})();
