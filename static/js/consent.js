/* Cookie banner: "Choose" expands the boxes, "Cookie settings" reopens the banner, and tags that
   the server rendered (only after consent) get their configuration. No inline script (CSP). */
(function () {
  "use strict";
  // Tracking cookies of a purpose that is not granted (never, or withdrawn) are deleted on every
  // page, for this host and each parent domain: a tag cached before the withdrawal may have set
  // them again. Same list as privacy/services/cookies.py (TRACKING_COOKIES).
  var TRACKING = {
    analytics: /^(_ga|_ga_[A-Za-z0-9]+|_gid|_gat(_.+)?)$/,
    advertising: /^(_gcl_[a-z]+|_fbp|_fbc|_ttp|_scid.*)$/
  };
  var state = document.querySelector("script[data-consent-script]");
  if (state) {
    var labels = window.location.hostname.split(".");
    var isIp = /^[0-9.]+$/.test(window.location.hostname) || window.location.hostname.indexOf(":") >= 0;
    var domains = [""];
    if (!isIp) {
      for (var i = 0; i < labels.length - 1; i++) { domains.push("; domain=" + labels.slice(i).join(".")); }
    }
    document.cookie.split(";").forEach(function (pair) {
      var name = pair.split("=")[0].trim();
      Object.keys(TRACKING).forEach(function (purpose) {
        if (state.getAttribute("data-" + purpose) !== "1" && TRACKING[purpose].test(name)) {
          domains.forEach(function (domain) {
            document.cookie = name + "=; Max-Age=0; path=/" + domain;
          });
        }
      });
    });
  }
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
