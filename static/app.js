// Progressive enhancement only: every form works without this file.
// A form with data-confirm asks before it is sent (the manuals' confirmation dialogs).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
