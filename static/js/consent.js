/* Cookie banner: "Choose" expands the boxes, "Cookie settings" reopens the banner, and tags that
   the server rendered (only after consent) get their configuration. No inline script (CSP). */
(function () {
  "use strict";
  var banner = document.getElementById("cookie-banner");
  if (banner) {
    var choices = document.getElementById("cookie-banner-choices");
    var choose = banner.querySelector("button[value='choose']");
    if (choose && choices) {
      choose.addEventListener("click", function (event) {
        event.preventDefault();
        choices.hidden = false;
        choose.setAttribute("aria-expanded", "true");
        var first = choices.querySelector("input:not([disabled])") || choices.querySelector("button");
        if (first) { first.focus(); }
      });
    }
    document.querySelectorAll("a[data-cookie-settings]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        banner.hidden = false;
        var first = banner.querySelector(".cookie-actions button:not([disabled])");
        if (first) { first.focus(); }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !banner.hidden && banner.contains(document.activeElement)) {
        banner.querySelector(".cookie-close").click();
      }
    });
  }
  document.querySelectorAll("script[data-consent-tag='gtag']").forEach(function (tag) {
    window.dataLayer = window.dataLayer || [];
    var gtag = function () { window.dataLayer.push(arguments); };
    window.gtag = window.gtag || gtag;
    window.gtag("js", new Date());
    tag.getAttribute("data-ids").split(",").forEach(function (id) { window.gtag("config", id); });
  });
  document.querySelectorAll("script[data-consent-tag='meta']").forEach(function (tag) {
    if (!window.fbq) {
      var fbq = function () {
        if (fbq.callMethod) { fbq.callMethod.apply(fbq, arguments); } else { fbq.queue.push(arguments); }
      };
      fbq.push = fbq; fbq.loaded = true; fbq.version = "2.0"; fbq.queue = [];
      window.fbq = fbq; window._fbq = window._fbq || fbq;
    }
    window.fbq("init", tag.getAttribute("data-ids"));
    window.fbq("track", "PageView");
  });
  document.querySelectorAll("[data-youtube-id]").forEach(function (box) {
    var button = box.querySelector("button[data-youtube-load]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = "https://www.youtube-nocookie.com/embed/" + encodeURIComponent(box.getAttribute("data-youtube-id")) + "?autoplay=1";
      frame.title = box.getAttribute("data-youtube-title") || "YouTube";
      frame.allow = "autoplay; encrypted-media; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      frame.width = "560"; frame.height = "315";
      box.replaceChildren(frame);
      frame.focus();
    });
  });
})();
