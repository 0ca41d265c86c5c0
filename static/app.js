// Progressive enhancement only: every form works without this file.

// A page that came back with errors: the error summary has the focus (its autofocus does it in
// current browsers; this covers one that ignores autofocus outside form controls), and each
// link in it puts the focus on its field, not only scrolls there (GOV.UK's error summary).
(function () {
  var summary = document.querySelector(".error-summary[tabindex]");
  if (!summary) {
    return;
  }
  if (!document.activeElement || document.activeElement === document.body) {
    summary.focus();
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      var label = document.querySelector('label[for="' + field.id + '"]');
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    }
  });
})();
// A form with data-confirm asks before it is sent (the manuals' confirmation dialogs).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // rokin's ④ 発行中: while the certificate is being issued, say so and keep the button from
  // being pressed twice (the server refuses a second issuance anyway).
  if (form.hasAttribute && form.hasAttribute("data-issuing")) {
    var waiting = document.getElementById("issuing");
    if (waiting) {
      waiting.hidden = false;
    }
    Array.prototype.forEach.call(form.querySelectorAll('button[type="submit"]'), function (button) {
      button.disabled = true;
    });
  }
});

// パスワード用ソフトウェアキーボード (where the page carries its template): a button after each
// password field opens an on-screen keyboard that types into that field. The manual recommends
// it against spyware that records the physical keyboard. The keys are shuffled each time the
// keyboard opens, so that a recording of where the mouse clicked does not give the password
// away either; the upper/lower toggle changes the letters' case in place.
(function () {
  var template = document.getElementById("software-keyboard");
  if (!template || !template.content || !window.crypto || !window.crypto.getRandomValues) {
    return;
  }
  var symbols = template.getAttribute("data-symbols") || "";
  var sets = { digits: "0123456789", letters: "abcdefghijklmnopqrstuvwxyz", symbols: symbols };

  function shuffled(text) {
    var chars = text.split("");
    for (var i = chars.length - 1; i > 0; i--) {
      var r = new Uint32Array(1);
      window.crypto.getRandomValues(r);
      var j = r[0] % (i + 1);
      var c = chars[i];
      chars[i] = chars[j];
      chars[j] = c;
    }
    return chars;
  }

  var count = 0;
  Array.prototype.forEach.call(document.querySelectorAll('input[type="password"]'), function (input) {
    var parts = template.content.cloneNode(true);
    var open = parts.querySelector(".skb-open");
    var board = parts.querySelector(".skb");
    var shift = board.querySelector('[data-skb="shift"]');
    count += 1;
    board.id = "skb-" + count;
    open.setAttribute("aria-controls", board.id);
    input.insertAdjacentElement("afterend", open);
    open.insertAdjacentElement("afterend", board);
    var upper = false;

    function label(ch) {
      return upper ? ch.toUpperCase() : ch;
    }

    function fill() {
      Array.prototype.forEach.call(board.querySelectorAll("[data-keys]"), function (row) {
        row.textContent = "";
        shuffled(sets[row.getAttribute("data-keys")]).forEach(function (ch) {
          var key = document.createElement("button");
          key.type = "button";
          key.className = "skb-key";
          key.setAttribute("data-char", ch);
          key.textContent = label(ch);
          if (ch === " ") {
            key.setAttribute("aria-label", "space");
          }
          row.appendChild(key);
        });
      });
    }

    function show(visible) {
      board.hidden = !visible;
      open.setAttribute("aria-expanded", visible ? "true" : "false");
      if (visible) {
        fill();
      }
    }

    open.addEventListener("click", function () {
      show(board.hidden);
    });

    board.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key) {
        return;
      }
      var ch = key.getAttribute("data-char");
      if (ch !== null) {
        if (input.maxLength < 0 || input.value.length < input.maxLength) {
          input.value += label(ch);
        }
      } else {
        switch (key.getAttribute("data-skb")) {
          case "shift":
            upper = !upper;
            shift.setAttribute("aria-pressed", upper ? "true" : "false");
            Array.prototype.forEach.call(board.querySelectorAll('[data-keys="letters"] .skb-key'), function (k) {
              k.textContent = label(k.getAttribute("data-char"));
            });
            return;
          case "back":
            input.value = input.value.slice(0, -1);
            break;
          case "clear":
            input.value = "";
            break;
          case "close":
            show(false);
            input.focus();
            return;
        }
      }
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
