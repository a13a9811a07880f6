/* Small progressive enhancements; every page works without them. Classic script: file:// safe. */
(function () {
  "use strict";
  // Opened from disk (a kiosk in a service hall): an RSS feed is for a feed reader, and the
  // browser would show its raw XML with no way back on a screen without browser buttons.
  var offline = window.location.protocol === "file:";
  if (offline) { document.documentElement.classList.add("offline"); }
  idleReset();
  tabStopsWhereScrolling();
  menuFadesWhileThereIsMore();
  if (offline || document.documentElement.hasAttribute("data-idle-reset")) { attachmentsInViewer(); }
  var buttons = document.querySelectorAll(".print-button");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }

  // On a kiosk a PDF opened in the browser's viewer is a dead end (no browser buttons, and
  // no idle reset there), and a Word or Excel file is downloaded where nobody sees it: an
  // attachment's link goes to viewer.html, which frames the PDF below a way back, or says
  // what to do. (Over HTTP without kiosk_idle_minutes, links stay as written.)
  function attachmentsInViewer() {
    var me = document.querySelector('script[src$="assets/site.js"]');
    if (!me) { return; }
    var prefix = me.getAttribute("src").replace(/assets\/site\.js$/, "");
    var root = new URL(prefix || "./", document.baseURI).href;
    // (the attachments, and a body's links to files: 详见[附表](附表.pdf))
    var links = document.querySelectorAll(".attachments a[href], .body a[href]");
    for (var i = 0; i < links.length; i++) {
      var hash = links[i].hash;  // (#page=2: the viewer opens the PDF there)
      var href = links[i].href.split("#")[0].split("?")[0];
      if (href.indexOf(root + "files/") !== 0) { continue; }
      var rel;
      try { rel = decodeURIComponent(href.slice(root.length)); } catch (e) { continue; }
      links[i].href = prefix + "viewer.html?f=" + encodeURIComponent(rel) + hash;
      // The viewer's heading: the attachment's title as this page names it (中文, not the file's
      // name), handed over in the session; the viewer's address itself could carry any text.
      links[i].addEventListener("click", remember(rel, (links[i].textContent || "").replace(/\s+/g, " ")));
    }
  }
  function remember(rel, title) {
    return function () {
      try { window.sessionStorage.setItem("sitegen-viewer:" + rel, title.slice(0, 200)); } catch (e) { /* refused */ }
    };
  }

  // A wide table's region is a tab stop so that a keyboard can scroll it (templates give it
  // tabindex="0"); where the table fits, that stop does nothing but cost a keyboard or
  // switch user a press (the annual tables fit on a kiosk, not on a phone).
  function tabStopsWhereScrolling() {
    var wraps = document.querySelectorAll(".table-wrap[tabindex]");
    if (!wraps.length) { return; }
    function update() {
      for (var i = 0; i < wraps.length; i++) {
        if (wraps[i].scrollWidth > wraps[i].clientWidth + 1) {
          wraps[i].setAttribute("tabindex", "0");
          wraps[i].setAttribute("data-scrolls", "");  // (style.css says 可左右滑动查看)
        } else {
          wraps[i].removeAttribute("tabindex");
          wraps[i].removeAttribute("data-scrolls");
        }
      }
    }
    update();
    window.addEventListener("resize", update);
  }

  // On a phone the menu is one line that scrolls sideways, faded at its right edge while
  // there is more to swipe to; at its end (or when it fits) the fade would hide the last entry.
  function menuFadesWhileThereIsMore() {
    var menu = document.querySelector(".site-nav ul");
    if (!menu) { return; }
    function update() {
      menu.classList.toggle("at-end", menu.scrollLeft + menu.clientWidth >= menu.scrollWidth - 2);
    }
    update();
    // A link reached with Tab is scrolled clear of the fade (the browser leaves one that shows
    // in part, its focus ring under the fade). Not one touched or clicked: scrolled between
    // press and release, the release would miss it and the link would not open.
    menu.addEventListener("focusin", function (event) {
      var link = event.target, byKeyboard = false;
      try { byKeyboard = link.matches(":focus-visible"); } catch (e) { byKeyboard = false; }
      if (byKeyboard && link.scrollIntoView) { link.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    });
    menu.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
  }

  // A kiosk in a service hall (site.kiosk_idle_minutes): after that long with no touch, key or
  // scroll, it goes back to the home page and forgets the last person's search, as reading
  // points require the home page to be what the screen shows.
  function idleReset() {
    var seconds = Number(document.documentElement.getAttribute("data-idle-reset") || 0);
    var me = document.querySelector('script[src$="assets/site.js"]');
    if (!(seconds > 0) || !me) { return; }
    var home = me.getAttribute("src").replace(/assets\/site\.js$/, "index.html");
    var last = Date.now(), used = false;
    var events = ["pointerdown", "keydown", "scroll", "wheel", "touchstart", "input"];
    for (var i = 0; i < events.length; i++) {
      window.addEventListener(events[i], function () { last = Date.now(); used = true; },
                              { passive: true, capture: true });
    }
    window.setInterval(function () {
      // Reading an attachment in the viewer's frame: its touches and scrolling do not reach
      // this page, so it waits five times as long then.
      var reading = document.activeElement && document.activeElement.tagName === "IFRAME";
      if (Date.now() - last < seconds * 1000 * (reading ? 5 : 1)) { return; }
      last = Date.now();
      // Forgotten even on the home page, where a person leaving often ends: the search's
      // saved place would come back with Back. (The history itself stays: see README.)
      window.SITEGEN_IDLE_RESET = true;  // search.js saves no place on the way out
      try { window.sessionStorage.clear(); } catch (e) { /* storage refused */ }
      var atHome = window.location.href.split("#")[0] === new URL(home, document.baseURI).href;
      if (atHome && !used) { window.SITEGEN_IDLE_RESET = false; return; }  // untouched home page
      window.location.replace(home);
    }, Math.min(10000, seconds * 250));
  }
})();
