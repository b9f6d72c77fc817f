/* QMS Tracker: the progress page of a background job (templates/jobs/show.html).
 *
 * While the job is not finished, asks its status (data-job-status, a small JSON) every two seconds and
 * moves the progress bar; when the job has finished, reloads the page, which then offers the download
 * or shows the error. No inline script: the page's CSP forbids it.
 */
(function () {
  "use strict";

  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var bar = document.getElementById("job-progress");

  function show(percent) {
    if (!bar) {
      return;
    }
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", String(percent));
  }

  show(parseInt(bar ? bar.getAttribute("data-progress") : "0", 10) || 0);
  if (box.getAttribute("data-job-finished") === "yes") {
    return;
  }

  var url = box.getAttribute("data-job-status");
  var message = document.getElementById("job-message");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (!status) {
          window.setTimeout(poll, 5000);
          return;
        }
        show(status.progress);
        if (message) {
          message.textContent = status.message || "";
        }
        if (status.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
