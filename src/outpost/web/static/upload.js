/* The upload form of the sources page: a file over the size the server accepts is named
   before it is sent (the server refuses it anyway, with the same message). The limit and
   the message come from the form's data- attributes. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("upload-form");
    if (!form) { return; }
    var input = form.querySelector("input[type=file]");
    var cap = Number(form.dataset.maxBytes);
    input.addEventListener("change", function () {
      var large = Array.prototype.filter.call(input.files, function (f) { return f.size > cap; });
      input.setCustomValidity(large.length ? large[0].name + ": " + form.dataset.tooLarge : "");
      if (large.length) { input.reportValidity(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
