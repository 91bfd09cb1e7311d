// Keyboard shortcuts of the clerk console: a letter presses the button that shows it
// (buttons carry data-key), unless the clerk is typing in a field.
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  const button = document.querySelector(`.actions button[data-key="${e.key.toUpperCase()}"]`);
  if (button && !button.disabled) {
    e.preventDefault();
    button.click();
  }
});
