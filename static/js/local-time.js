/* Shows meeting times in the reader's own time zone beside the venue's.
   The page is complete without it: the server gives every time at the venue. */
(function () {
  "use strict";
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // The same spelling as the server's: UTC+7, UTC+6:30, UTC-3.
  function offset(date) {
    var minutes = -date.getTimezoneOffset();
    var text = "UTC" + (minutes < 0 ? "-" : "+") + Math.floor(Math.abs(minutes) / 60);
    return Math.abs(minutes) % 60 ? text + ":" + pad(Math.abs(minutes) % 60) : text;
  }

  function day(date, short) {
    var weekday = DAYS[date.getDay()], month = MONTHS[date.getMonth()];
    if (short) {
      weekday = weekday.slice(0, 3);
      month = month.slice(0, 3);
    }
    return weekday + " " + date.getDate() + " " + month + " " + date.getFullYear();
  }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function range(start, end, short) {
    var text = day(start, short) + ", " + clock(start);
    if (start.toDateString() === end.toDateString()) {
      return text + "–" + clock(end);
    }
    return text + " – " + day(end, short) + ", " + clock(end);
  }

  function fill(el) {
    var start = new Date(el.getAttribute("data-start"));
    var end = new Date(el.getAttribute("data-end"));
    if (isNaN(start.getTime()) || isNaN(end.getTime())) {
      return;
    }
    var short = el.getAttribute("data-style") === "short";
    var same = -start.getTimezoneOffset() === Number(el.getAttribute("data-offset"));
    var offsets = offset(start) === offset(end) ? offset(start) : offset(start) + " to " + offset(end);
    var where = zone ? zone + ", " + offsets : offsets;
    if (short) {
      if (same) {
        return;
      }
      el.textContent = "Your time: " + range(start, end, true) + " " + offsets;
    } else if (same) {
      el.textContent = "The same in your time zone (" + where + ").";
    } else {
      el.textContent = "Your time: " + range(start, end, false) + " (" + where + ")";
    }
    el.hidden = false;
  }

  var elements = document.querySelectorAll(".reader-time[data-start]");
  for (var i = 0; i < elements.length; i++) {
    fill(elements[i]);
  }
})();
