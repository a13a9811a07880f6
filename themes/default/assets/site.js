/* Small progressive enhancements; every page works without them. Classic script: file:// safe. */
(function () {
  "use strict";
  // Opened from disk (a kiosk in a service hall): an RSS feed is for a feed reader, and the
  // browser would show its raw XML with no way back on a screen without browser buttons.
  if (window.location.protocol === "file:") { document.documentElement.classList.add("offline"); }
  var buttons = document.querySelectorAll(".print-button");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
