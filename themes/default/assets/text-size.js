/* 字号 (适老化): 标准 / 大 / 特大 for the visit. Loaded in <head> so that a page opens at the size
   chosen, without first showing the standard one; kept in sessionStorage, which the kiosk's
   idle reset clears, so the next person starts at the standard size. Classic script: file://
   safe; without it the buttons stay hidden and the page is at the standard size. */
(function () {
  "use strict";
  var KEY = "sitegen-text-size", root = document.documentElement, size = "0";
  try { size = window.sessionStorage.getItem(KEY) || "0"; } catch (e) { /* storage refused */ }
  if (size !== "0") { root.setAttribute("data-text-size", size); }
  document.addEventListener("DOMContentLoaded", function () {
    var group = document.querySelector(".text-size");
    if (!group) { return; }
    var buttons = group.querySelectorAll("button[data-size]");
    function show(chosen) {
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute("aria-pressed", String(buttons[i].getAttribute("data-size") === chosen));
      }
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () {
        var chosen = this.getAttribute("data-size");
        if (chosen === "0") { root.removeAttribute("data-text-size"); } else { root.setAttribute("data-text-size", chosen); }
        try { window.sessionStorage.setItem(KEY, chosen); } catch (e) { /* storage refused */ }
        show(chosen);
        // (what fits and what scrolls changes with the size: site.js listens for resize)
        window.dispatchEvent(new Event("resize"));
      });
    }
    show(root.getAttribute("data-text-size") || "0");
    group.hidden = false;
  });
})();
