/* Loads the search index's manifest (search.html, before search.js) with a query of the
   moment, so that it is read afresh on every visit: it names the build whose index files the
   search asks for (?v=), and a manifest kept by a browser or a proxy would ask for the files of
   an older build. A separate file, not an inline script: the site needs no 'unsafe-inline' in
   a Content-Security-Policy. */
(function () {
  "use strict";
  var me = document.currentScript, src = me && me.getAttribute("data-manifest");
  if (src) { document.write('<script src="' + src + "?t=" + Date.now() + '"><\/script>'); }
})();
