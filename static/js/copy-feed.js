/* Adds a "Copy address" button beside each feed address field (input[data-copy]) and says
   "Copied" in a live region. The page is complete without it: the read-only field holds
   the address to select and copy by hand. */
(function () {
  "use strict";

  function announce(status, text) {
    // Emptied first, so that a second copy is announced again.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 100);
  }

  // Where the clipboard is refused (an older browser, a page without a secure context),
  // the address is selected for the reader to copy.
  function selectField(field, status) {
    field.focus();
    field.select();
    announce(status, "Address selected: press Ctrl+C (⌘C on a Mac) to copy it");
  }

  function add(field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy address";
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);

    field.addEventListener("click", function () {
      field.select();
    });
    button.addEventListener("click", function () {
      if (!(navigator.clipboard && navigator.clipboard.writeText)) {
        selectField(field, status);
        return;
      }
      navigator.clipboard.writeText(field.value).then(
        function () {
          announce(status, "Copied");
        },
        function () {
          selectField(field, status);
        }
      );
    });
  }

  var fields = document.querySelectorAll("input[data-copy]");
  for (var i = 0; i < fields.length; i++) {
    add(fields[i]);
  }
})();
