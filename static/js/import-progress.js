/* Progress for the admin's import of meetings. The pages work without it: the forms
   post as usual and the status page refreshes itself.
   - Upload: the file is sent in the background, with a bar for the bytes; then the
     preview opens (GET ?token=...) and, until it shows, the bar follows the rows checked.
   - Confirm: the form posts as usual and, until the answer shows, the bar follows the
     rows checked and saved.
   - Status page (a large import, running on the server): the bar follows the rows saved,
     and the page reloads to show the outcome. */
(function () {
  "use strict";
  var POLL_MS = 500;

  function meter(box) {
    var bar = box.querySelector("progress");
    var label = box.querySelector(".import-progress-label");
    return function show(done, total, text) {
      box.hidden = false;
      if (total > 0) {
        bar.max = total;
        bar.value = done;
      } else {
        bar.removeAttribute("value"); // indeterminate
      }
      bar.textContent = text;
      label.textContent = text;
    };
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  // Asks the server how far the work is, until `finished` says it is over (or for as
  // long as the page stays, when there is no `finished`).
  function follow(url, show, finished) {
    function ask() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (state) {
            show(state.done, state.total, state.label);
            if (finished && state.state !== "running") {
              finished(state);
              return;
            }
          }
          window.setTimeout(ask, POLL_MS);
        })
        .catch(function () {
          window.setTimeout(ask, POLL_MS);
        });
    }
    ask();
  }

  function showErrors(form, errors) {
    var row = form.querySelector(".form-row");
    var old = row.querySelector(".errorlist");
    if (old) {
      old.remove();
    }
    var list = document.createElement("ul");
    list.className = "errorlist";
    Object.keys(errors).forEach(function (field) {
      errors[field].forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
    });
    row.classList.add("errors");
    row.insertBefore(list, row.firstChild);
  }

  function enhanceUpload(form, show) {
    var button = form.querySelector("[type=submit]");
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!window.FormData || !input || !input.files.length) {
        return; // the server explains what is missing
      }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          show(e.loaded, e.total, "Uploaded " + megabytes(e.loaded) + " of " + megabytes(e.total));
        }
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (e) {
          answer = null;
        }
        if (xhr.status === 200 && answer && answer.preview) {
          show(0, 0, "Reading the file…");
          follow(answer.progress, show, null);
          window.location.assign(answer.preview);
        } else if (answer && answer.errors) {
          form.ownerDocument.getElementById("import-progress").hidden = true;
          showErrors(form, answer.errors);
          button.disabled = false;
        } else {
          form.submit(); // an answer this script does not know: let the server show it
        }
      });
      xhr.addEventListener("error", function () {
        show(0, 1, "The upload failed: check the connection and try again.");
        button.disabled = false;
      });
      show(0, input.files[0].size, "Uploading " + megabytes(input.files[0].size) + "…");
      button.disabled = true;
      xhr.send(new FormData(form));
    });
  }

  function enhanceConfirm(form, show) {
    form.addEventListener("submit", function () {
      show(0, 0, "Checking the rows again…");
      follow(form.dataset.progress, show, null);
      var button = form.querySelector("[type=submit]");
      // After the form's data is taken, so that the post is sent once.
      window.setTimeout(function () {
        if (button) {
          button.disabled = true;
        }
      }, 0);
    });
  }

  function init() {
    var box = document.getElementById("import-progress");
    var confirmBox = document.getElementById("confirm-progress");
    var upload = document.getElementById("import-upload");
    var confirm = document.getElementById("import-confirm");
    var running = document.querySelector("[data-follow]");
    if (!box || !window.fetch) {
      return;
    }
    if (upload) {
      enhanceUpload(upload, meter(box));
    }
    if (confirm && confirmBox && confirm.dataset.progress) {
      enhanceConfirm(confirm, meter(confirmBox));
    }
    if (running) {
      follow(running.dataset.follow, meter(box), function () {
        window.location.reload();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
