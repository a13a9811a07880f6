/* viewer.html?f=files/…: on a kiosk, an attachment below a way back. A PDF, a text
   file or a picture is framed; a Word, Excel, WPS, OFD or zip file, which the kiosk's browser
   could only download where nobody sees it, is named with what to do instead. Only a file of
   this site's files/ folder: the page must not frame, or lend its address to, anything else;
   and no text from its address but the file's name, which a link to this page on the public
   site could otherwise set to anything (a false 已废止 over a genuine PDF): the attachment's
   title comes from the site's own page, through the session. Classic script: file:// safe. */
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
  var file = param("f");
  // (a name may have "#", "?" or ":" in it: each part is encoded again for the frame)
  var kind = /^files\/[^\\]+\.([A-Za-z]+)$/.exec(file);
  var ext = kind ? kind[1].toLowerCase() : "";
  var framed = /^(pdf|txt|jpg|jpeg|png|gif|webp)$/.test(ext);
  var ok = (framed || /^(doc|docx|xls|xlsx|wps|ofd|zip)$/.test(ext)) &&
    file.split("/").indexOf("..") < 0 && file.split("/").indexOf(".") < 0 && file.indexOf("//") < 0;
  if (back) {
    back.addEventListener("click", function () {
      if (window.history.length > 1) { window.history.back(); } else { window.location.href = "index.html"; }
    });
  }
  if (!ok) {
    status.textContent = "附件地址无效，请返回上一页。";
    return;
  }
  var name = file.split("/").pop().slice(0, 200), given = "";
  // (the title the site's own page gave it, on the way here: see site.js)
  try { given = window.sessionStorage.getItem("sitegen-viewer:" + file) || ""; } catch (e) { /* refused */ }
  title.textContent = "附件：" + (given.replace(/^\s+|\s+$/g, "") || name);
  document.title = title.textContent;
  if (!framed) {
    status.textContent = "这是 " + ext.toUpperCase() + " 文件，本查阅终端不能打开。请到服务台索取纸质件，" +
      "或在网站上本信息的页面下载。";
    return;
  }
  var at = /^#page=\d{1,5}$/.test(window.location.hash) ? window.location.hash : "";
  frame.src = file.split("/").map(encodeURIComponent).join("/") + at;
  frame.hidden = false;
})();
