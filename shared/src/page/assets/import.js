// @ts-check
// Impor: a sheet is first checked (the API's dry run: every row validated, nothing written),
// its per-row report shown, and imported only when asked. Export buttons download the data.

import { download, api } from "./http.js";
import { busy, clearErrors, el, fill, formById, notify, number, showError, table, withProgress } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["CustomerImportResult"]} CustomerImportResult */
/** @typedef {import("./api").components["schemas"]["RecordImportResult"]} RecordImportResult */

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const section = document.getElementById("impor");
const form = formById("impor-form");
const run = /** @type {HTMLButtonElement} */ (document.getElementById("impor-jalankan"));
const progress = document.getElementById("impor-progress");
const result = document.getElementById("impor-hasil");

/** The file and target of the last dry run: "Impor sekarang" imports exactly that. */
let checked = null;

function contentType(file) {
  if (/\.csv$/i.test(file.name)) return "text/csv";
  if (/\.xlsx$/i.test(file.name)) return XLSX;
  return file.type || "application/octet-stream";
}

async function upload(target, file, sheet, dryRun) {
  const { body } = /** @type {Answer<RecordImportResult | CustomerImportResult>} */ (await api("POST", target, {
    body: file,
    contentType: contentType(file),
    query: { dry_run: dryRun ? "true" : "false", sheet },
  }));
  return body;
}

/** The per-row report: how many rows pass, and each row to fix with its sheet row. */
/** @param {RecordImportResult | CustomerImportResult} answer @param {string} target */
function report(answer, target) {
  const { total, imported, failed } = answer.data;
  /** @type {(RecordImportResult["data"]["failures"][number] | CustomerImportResult["data"]["failures"][number])[]} */
  const failures = answer.data.failures;
  const register = target.startsWith("customers");
  const unit = register ? "pelanggan" : "baris";
  const summary = answer.dry_run
    ? `Hasil pemeriksaan (belum ada yang disimpan): ${number(total)} ${unit}, ${number(imported)} dapat diimpor, ${number(failed)} perlu diperbaiki.`
    : `Impor selesai: ${number(imported)} ${unit} diimpor, ${number(failed)} gagal dari ${number(total)}.`;
  return [
    el("p", { class: answer.dry_run ? "summary" : "summary ok" }, summary),
    failures.length ? el("h4", {}, answer.dry_run ? "Baris yang perlu diperbaiki" : "Baris yang tidak diimpor") : null,
    failures.length ? table([
      { label: "Baris", value: (f) => String(f.row ?? f.index + 1) },
      { label: "Nama", value: (f) => ("name" in f ? f.name : f.customer_name) || "–" },
      { label: register ? "No HP" : "Nopol", value: (f) => ("no_hp" in f ? f.no_hp : f.nopol) || "–" },
      { label: "Masalah", value: (f) => problems(f) },
    ], failures) : null,
  ];
}

function problems(failure) {
  if (!failure.problems || !failure.problems.length) return failure.error;
  return el("ul", { class: "plain" }, failure.problems.map((p) =>
    el("li", {}, p.column ? `Kolom ${p.column}${p.value ? ` (“${p.value}”)` : ""}: ${p.reason}` : p.reason)));
}

async function check(event) {
  event.preventDefault();
  clearErrors(form);
  const file = form.elements.file.files[0];
  if (!file) {
    form.querySelector('[data-error-for="file"]').textContent = "Pilih file .xlsx atau .csv dulu.";
    form.elements.file.focus();
    return;
  }
  const target = form.elements.target.value;
  const sheet = form.elements.sheet.value.trim();
  checked = null;
  run.disabled = true;
  fill(result);
  const submit = form.querySelector("[type=submit]");
  await busy(submit, () => withProgress(progress, `Memeriksa ${file.name}…`, async () => {
    const answer = await upload(target, file, sheet, true);
    fill(result, report(answer, target));
    if (answer.data.imported > 0) {
      checked = { target, file, sheet };
      run.disabled = false;
    }
  }), (error) => showError(form, error));
}

async function importNow() {
  if (!checked) return;
  clearErrors(form);
  const { target, file, sheet } = checked;
  await busy(run, () => withProgress(progress, `Mengimpor ${file.name}…`, async () => {
    const answer = await upload(target, file, sheet, false);
    fill(result, report(answer, target));
    notify(answer.message);
    checked = null;
  }), (error) => showError(form, error));
  run.disabled = !checked;
}

async function exportFile(control) {
  clearErrors(section);
  await busy(control, async () => {
    const name = await download(control.dataset.export);
    notify(`${name} diunduh.`);
  }, (error) => showError(section, error, "_export"));
}

form.addEventListener("submit", check);
form.elements.file.addEventListener("change", () => {
  checked = null;
  run.disabled = true;
});
form.elements.target.addEventListener("change", () => {
  checked = null;
  run.disabled = true;
});
run.addEventListener("click", importNow);
for (const control of section.querySelectorAll("[data-export]")) {
  control.addEventListener("click", () => exportFile(control));
}

export function show() {}
