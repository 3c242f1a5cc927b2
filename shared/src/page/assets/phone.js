// @ts-check
// The API's normalisation of Indonesian mobile numbers (shared/src/phone.rs), mirrored so the
// page shows the number a message will go to before it is sent. The API stays the judge.

/** `0812-3456-789`, `+62 812 3456 789`, `812 3456 789` -> `628123456789`; null if not valid. */
export function normalize(input) {
  const compact = input.replace(/[ \-.()\t]/g, "");
  const digits = compact.startsWith("+") ? compact.slice(1) : compact;
  if (!digits || !/^[0-9]+$/.test(digits)) return null;
  let number = digits;
  if (digits.startsWith("0")) number = `62${digits.slice(1)}`;
  else if (digits.startsWith("8")) number = `62${digits}`;
  if (!number.startsWith("628")) return null;
  const subscriber = number.length - 3;
  return subscriber >= 7 && subscriber <= 11 ? number : null;
}

/** Keeps `[data-phone-preview-for=id]` telling what the field's number becomes. */
export function previewPhones(root) {
  for (const preview of root.querySelectorAll("[data-phone-preview-for]")) {
    const input = /** @type {HTMLInputElement} */ (document.getElementById(/** @type {HTMLElement} */ (preview).dataset.phonePreviewFor));
    const update = () => {
      const value = input.value.trim();
      const number = normalize(value);
      preview.classList.toggle("warn", Boolean(value) && !number);
      preview.textContent = !value ? "" : number
        ? `Dikirim ke: ${number}`
        : "Belum nomor HP Indonesia yang valid (contoh 0812 3456 789)";
    };
    input.addEventListener("input", update);
    input.form.addEventListener("reset", () => setTimeout(update));
    update();
  }
}
