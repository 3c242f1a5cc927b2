// @ts-check
// Pelanggan manual: the records list (search by name or nopol, the active filter, paging),
// add and edit, toggle active, delete, and one reminder on demand.

import { ApiError, del, get, patch, post, put } from "./http.js";
import { busy, button, clearErrors, confirmAction, date, el, fill, formById, notify, number, showError, table, values } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["ManualRecord"]} ManualRecord */
/** @typedef {import("./api").components["schemas"]["RecordList"]} RecordList */
/** @typedef {import("./api").components["schemas"]["ReminderAnswer"]} ReminderAnswer */

const PAGE = 50;
/** A name search reads at most this many pages of 1,000 records. */
const SEARCH_PAGES = 10;
/** What the API reads as a nopol (shared/src/nopol.rs): 1-2 letters, 1-4 digits, 0-3 letters. */
const NOPOL = /^[A-Za-z]{1,2}\s*[0-9]{1,4}\s*[A-Za-z]{0,3}$/;

const section = document.getElementById("pelanggan");
const search = formById("pelanggan-cari");
const list = document.getElementById("pelanggan-list");
const more = document.getElementById("pelanggan-more");
const counts = document.getElementById("pelanggan-counts");
const form = formById("pelanggan-form");
const formTitle = document.getElementById("pelanggan-form-title");
const cancel = document.getElementById("pelanggan-batal");

/** @type {ManualRecord[]} */
let rows = [];
let cursor = null;
/** The record being edited, or null when the form adds one. */
/** @type {ManualRecord | null} */
let editing = null;

function render() {
  fill(list, table([
    { label: "Nama", value: (r) => r.customer_name },
    { label: "Nopol", value: (r) => r.nopol },
    { label: "No HP", value: (r) => r.no_hp },
    { label: "Service berikutnya", value: (r) => date(r.next_service) },
    { label: "Status", value: (r) => (r.is_active ? "Aktif" : "Nonaktif") },
    { label: "Pengingat", value: (r) => number(r.reminder_sent_count) },
    { label: "Aksi", value: (r) => el("div", { class: "row-actions" },
      button("Ubah", () => edit(r), { "aria-label": `Ubah ${r.customer_name}`, "data-needs": "staff" }),
      button(r.is_active ? "Nonaktifkan" : "Aktifkan", (event) => toggle(r, event.currentTarget), { "aria-label": `${r.is_active ? "Nonaktifkan" : "Aktifkan"} ${r.customer_name}`, "data-needs": "staff" }),
      button("Kirim pengingat", (event) => remind(r, event.currentTarget), { "aria-label": `Kirim pengingat ke ${r.customer_name}`, "data-needs": "staff" }),
      button("Hapus", (event) => remove(r, event.currentTarget), { class: "danger", "aria-label": `Hapus ${r.customer_name}`, "data-needs": "admin" })) },
  ], rows, { empty: "Tidak ada pelanggan yang cocok." }));
  more.hidden = !cursor;
}

function showCounts(body) {
  counts.textContent = `Total ${number(body.total)} · aktif ${number(body.active)} · nonaktif ${number(body.inactive)}`;
}

/** The list as the search form asks for it: a nopol, a name, or the newest first. */
async function load() {
  clearErrors(section);
  const { q, active_only: activeOnly } = values(search);
  cursor = null;
  try {
    if (q && NOPOL.test(q)) {
      rows = await byNopol(q, activeOnly);
    } else if (q) {
      rows = await byName(q, activeOnly);
    } else {
      const { body } = /** @type {Answer<RecordList>} */ (await get("manual-whatsapp/", { limit: PAGE, active_only: activeOnly || undefined }));
      showCounts(body);
      rows = body.data;
      cursor = body.next_cursor;
    }
    render();
  } catch (error) {
    showError(search, error, "_search");
  }
}

async function byNopol(nopol, activeOnly) {
  try {
    const { body } = /** @type {Answer<ManualRecord>} */ (await get(`manual-whatsapp/by-nopol/${encodeURIComponent(nopol)}`));
    return activeOnly && !body.is_active ? [] : [body];
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}

/** The API has no name search: read the list (up to SEARCH_PAGES pages) and filter it here. */
async function byName(name, activeOnly) {
  const wanted = name.toLocaleLowerCase("id");
  const found = [];
  let after = null;
  for (let page = 0; page < SEARCH_PAGES; page += 1) {
    const { body } = /** @type {Answer<RecordList>} */ (await get("manual-whatsapp/", { limit: 1000, cursor: after, active_only: activeOnly || undefined }));
    showCounts(body);
    found.push(...body.data.filter((r) => r.customer_name.toLocaleLowerCase("id").includes(wanted)));
    after = body.next_cursor;
    if (!after) break;
  }
  return found;
}

async function loadMore() {
  const { active_only: activeOnly } = values(search);
  await busy(more, async () => {
    const { body } = /** @type {Answer<RecordList>} */ (await get("manual-whatsapp/", { limit: PAGE, cursor, active_only: activeOnly || undefined }));
    rows = rows.concat(body.data);
    cursor = body.next_cursor;
    render();
  }, (error) => showError(search, error, "_search"));
}

function edit(record) {
  editing = record;
  form.reset();
  clearErrors(form);
  for (const name of ["customer_name", "nopol", "no_hp", "last_service", "next_service", "notes"]) {
    form.elements[name].value = record[name] ?? "";
  }
  form.elements.no_hp.dispatchEvent(new Event("input"));
  formTitle.textContent = `Ubah ${record.customer_name}`;
  cancel.hidden = false;
  form.elements.customer_name.focus();
}

function stopEditing() {
  editing = null;
  form.reset();
  clearErrors(form);
  formTitle.textContent = "Tambah pelanggan";
  cancel.hidden = true;
}

/** Saves the form: a create leaves empty fields out; an edit clears them (`null`). */
async function save(event) {
  event.preventDefault();
  clearErrors(form);
  const submit = form.querySelector("[type=submit]");
  await busy(submit, async () => {
    if (editing) {
      const body = values(form, true);
      for (const name of ["last_service", "next_service", "notes"]) if (!body[name]) body[name] = null;
      const { body: record } = /** @type {Answer<ManualRecord>} */ (await put(`manual-whatsapp/${editing.id}`, body));
      notify(`Data ${record.customer_name} (${record.nopol}) disimpan.`);
      rows = rows.map((r) => (r.id === record.id ? record : r));
      stopEditing();
    } else {
      const { body: record } = /** @type {Answer<ManualRecord>} */ (await post("manual-whatsapp/", values(form)));
      notify(`Pelanggan ${record.customer_name} (${record.nopol}) ditambahkan.`);
      rows = [record, ...rows];
      form.reset();
    }
    render();
  }, (error) => showError(form, error));
}

async function toggle(record, control) {
  await busy(control, async () => {
    const { body } = /** @type {Answer<ManualRecord>} */ (await patch(`manual-whatsapp/${record.id}/toggle-active`));
    rows = rows.map((r) => (r.id === body.id ? body : r));
    notify(`${body.customer_name} sekarang ${body.is_active ? "aktif" : "nonaktif"}.`);
    render();
  }, (error) => notify(error.message, "error"));
}

async function remind(record, control) {
  await busy(control, async () => {
    const { body } = /** @type {Answer<ReminderAnswer>} */ (await post(`manual-whatsapp/${record.id}/send-reminder`));
    if (body.success && body.data && body.data.status === "scheduled") {
      notify(`Sekarang jam tenang: pengingat ke ${record.customer_name} dijadwalkan dan dikirim gateway pada ${new Date(body.data.scheduled_for).toLocaleString("id-ID")}.`);
      rows = rows.map((r) => (r.id === record.id ? { ...r, reminder_sent_count: r.reminder_sent_count + 1 } : r));
      render();
    } else if (body.success) {
      notify(body.message || `Pengingat terkirim ke ${record.customer_name}.`);
      if (body.data) rows = rows.map((r) => (r.id === record.id ? { ...r, reminder_sent_count: r.reminder_sent_count + 1 } : r));
      render();
    } else {
      notify(body.message || `Pengingat ke ${record.customer_name} gagal.`, "error");
    }
  }, (error) => notify(error.message, "error"));
}

async function remove(record, control) {
  if (!(await confirmAction(`Hapus ${record.customer_name} (${record.nopol})? Data ini tidak dapat dikembalikan.`, "Ya, hapus"))) return;
  await busy(control, async () => {
    await del(`manual-whatsapp/${record.id}`);
    rows = rows.filter((r) => r.id !== record.id);
    if (editing && editing.id === record.id) stopEditing();
    notify(`${record.customer_name} (${record.nopol}) dihapus.`);
    render();
  }, (error) => notify(error.message, "error"));
}

search.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
more.addEventListener("click", loadMore);
form.addEventListener("submit", save);
cancel.addEventListener("click", stopEditing);

export const show = load;
