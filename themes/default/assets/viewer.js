/* viewer.html?f=files/…pdf&t=title: the attachment in a frame, below a way back. Only a PDF
   of this site's files/ folder: the page must not frame, or lend its address to, anything
   else. Classic script: file:// safe. */
(function () {
  "use strict";
  var frame = document.getElementById("viewer-frame");
  var status = document.getElementById("viewer-status");
  var title = document.getElementById("viewer-title");
  var back = document.getElementById("viewer-back");
  if (!frame || !status || !title) { return; }
  function param(name) {
    var qs = window.location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < qs.length; i++) {
      var eq = qs[i].indexOf("=");
      if (eq > 0 && qs[i].slice(0, eq) === name) {
        try { return decodeURIComponent(qs[i].slice(eq + 1).replace(/\+/g, " ")); } catch (e) { return ""; }
      }
    }
    return "";
  }
  var file = param("f"), name = param("t");
  var ok = /^files\/[^:?#\\]+\.pdf$/i.test(file) && file.split("/").indexOf("..") < 0 &&
    file.split("/").indexOf(".") < 0 && file.indexOf("//") < 0;
  if (back) {
    back.addEventListener("click", function () {
      if (window.history.length > 1) { window.history.back(); } else { window.location.href = "index.html"; }
    });
  }
  if (!ok) {
    status.textContent = "附件地址无效，请返回上一页。";
    return;
  }
  if (name) { title.textContent = name.slice(0, 200); document.title = title.textContent; }
  frame.src = file.split("/").map(encodeURIComponent).join("/");
  frame.hidden = false;
})();
