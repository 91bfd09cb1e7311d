// The clerk console: shortcuts, dialogs, and the key of every click.

// The nonce of the panel as the clerk saw it when clicking: htmx keeps the event of a request
// it queues, so a second click of a double click carries the same key and the hall acts once.
function panelKey() {
  const el = document.querySelector("#panel [data-nonce]");
  return el ? el.dataset.nonce : "";
}
// A second press of the same button within DOUBLE_MS is the same click (a double click whose
// second half came after the first answer was shown): it keeps the first one's key.
const DOUBLE_MS = 800;
let last = { target: null, key: "", at: 0 };
for (const type of ["click", "submit"]) {
  document.addEventListener(type, (e) => {
    const target = e.target.closest("button, form");
    const now = Date.now();
    if (type === "click" && target === last.target && now - last.at < DOUBLE_MS) {
      e.hallKey = last.key;
    } else {
      e.hallKey = panelKey();
      if (type === "click") last = { target, key: e.hallKey, at: now };
    }
  }, true);
}

function openDialog(id) {
  const d = document.getElementById(id);
  if (!d || d.open) return;
  const form = d.querySelector("form");
  if (form) form.reset();
  d.showModal();
  const first = d.querySelector("[autofocus]");
  if (first) first.focus();
}

document.addEventListener("click", (e) => {
  const opener = e.target.closest("button[data-dialog]");
  if (opener) { openDialog(opener.dataset.dialog); return; }
  const closer = e.target.closest("[data-close]");
  if (closer) closer.closest("dialog").close();
});

// A dialog's form was sent (htmx has taken it): the dialog closes.
document.addEventListener("submit", (e) => {
  const d = e.target.closest("dialog");
  if (d) setTimeout(() => d.close());
});

// The confirmation the server sent beside the panel opens once htmx has processed it (its
// form posts by htmx, not by the browser); gone once closed.
document.addEventListener("htmx:afterSettle", () => {
  const d = document.querySelector("#prompt dialog");
  if (d && !d.open) {
    htmx.process(d);  // its form posts by htmx whatever the order of the swap's steps
    d.addEventListener("close", () => d.remove());
    d.showModal();
    const yes = d.querySelector("[autofocus]");
    if (yes) yes.focus();
  }
});

// Keys: a letter presses the console button that shows it (buttons carry data-key), unless the
// clerk is typing in a field; in an open dialog its digits choose (Ctrl+Enter sends a form).
document.addEventListener("keydown", (e) => {
  const open = document.querySelector("dialog[open]");
  if (open && e.key === "Enter" && e.ctrlKey) {
    const form = open.querySelector("form");
    if (form) { e.preventDefault(); form.requestSubmit(); }
    return;
  }
  if (e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
  const t = e.target;
  if ((t instanceof HTMLInputElement && t.type !== "checkbox") || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  const scope = open || document.querySelector(".actions");
  const button = scope && scope.querySelector(`button[data-key="${e.key.toUpperCase()}"]`);
  if (button && !button.disabled) {
    e.preventDefault();
    button.click();
  }
});

// The visitor's cases (#visitor, inside the panel): their buttons' letters, when no dialog is
// open and the clerk is not typing; the first case that offers a step takes its key.
document.addEventListener("keydown", (e) => {
  if (document.querySelector("dialog[open]") || e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
  const t = e.target;
  if ((t instanceof HTMLInputElement && t.type !== "checkbox") || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  const button = document.querySelector(`#visitor button[data-key="${e.key.toUpperCase()}"]`);
  if (button && !button.disabled) {
    e.preventDefault();
    button.click();
  }
});

// The visitor section's buttons send from #panel (it stays; the buttons are redrawn on every
// change of the hall, and htmx drops the answer of an element no longer there), queued with
// the panel's own requests; a step posts the key of the click like the queue buttons.
document.addEventListener("click", (e) => {
  const b = e.target.closest("#visitor button[data-get], #visitor button[data-post]");
  if (!b || b.disabled) return;
  e.preventDefault();
  if (b.dataset.get) {
    htmx.ajax("GET", b.dataset.get, { source: "#panel", target: "#prompt", swap: "innerHTML" });
  } else {
    htmx.ajax("POST", b.dataset.post, {
      source: "#panel", target: b.dataset.target || "#panel", swap: "innerHTML", values: { key: e.hallKey },
    });
  }
});

// A case dialog's form (data-post) goes the same way: from #panel, with the click's key. The
// dialog closes at once (above), and a request of a form no longer there would not be sent.
document.addEventListener("submit", (e) => {
  const form = e.target.closest("#prompt form[data-post]");
  if (!form) return;
  e.preventDefault();
  const values = { key: e.hallKey };
  for (const [name, value] of new FormData(form)) {
    if (name in values) values[name] = [].concat(values[name], value);
    else values[name] = value;
  }
  htmx.ajax("POST", form.dataset.post, { source: "#panel", target: "#panel", swap: "innerHTML", values });
});

// The guide stays open across the panel's live refreshes (the panel is redrawn on every change
// of the hall): its state is kept for this tab.
document.addEventListener("toggle", (e) => {
  if (e.target.id === "guide") sessionStorage.setItem("guideOpen", e.target.open ? "1" : "");
}, true);
function restoreGuide() {
  const guide = document.getElementById("guide");
  if (guide && sessionStorage.getItem("guideOpen")) guide.open = true;
}
document.addEventListener("htmx:afterSettle", restoreGuide);
document.addEventListener("DOMContentLoaded", restoreGuide);
