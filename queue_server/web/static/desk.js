// The desks (my cases, tasks): a double click acts once. Each step's button posts the nonce of
// the list it was drawn in (the hall's idempotency key, so a request sent twice acts once); the
// second click of a double click (the browser counts it: detail 2) is dropped here, since by
// then the list may have been redrawn with the case's next step under the pointer (a double
// click on "result ready" must not also hand the result out).
document.addEventListener("click", (e) => {
  const button = e.target.closest("button.step");
  if (button && e.detail > 1) {
    e.preventDefault();
    e.stopPropagation();  // in the capture phase: htmx on the button never sees it
  }
}, true);
