// @ts-check
// Register: the workshop's own customers and their vehicles, each vehicle's next service
// (by date or by kilometres, whichever comes first, computed by the API) and its visits.

import { del, get, post, put } from "./http.js";
import { busy, button, clearErrors, confirmAction, date, dateTime, el, fill, formById, notify, number, showError, table, values } from "./ui.js";
import * as visits from "./visits.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["Customer"]} Customer */
/** @typedef {import("./api").components["schemas"]["CustomerList"]} CustomerList */
/** @typedef {import("./api").components["schemas"]["CustomerRow"]} CustomerRow */
/** @typedef {import("./api").components["schemas"]["Vehicle"]} Vehicle */

const PAGE = 50;

const section = document.getElementById("register");
const list = document.getElementById("register-list");
const more = document.getElementById("register-more");
const counts = document.getElementById("register-counts");
const form = formById("register-form");
const formTitle = document.getElementById("register-form-title");
const cancel = document.getElementById("register-batal");
const detail = document.getElementById("register-detail");
const detailTitle = document.getElementById("register-detail-title");
const vehicleList = document.getElementById("register-vehicles");
const vehicleForm = formById("kendaraan-form");
const vehicleFormTitle = document.getElementById("kendaraan-form-title");
const vehicleCancel = document.getElementById("kendaraan-batal");

/** @type {CustomerRow[]} */
let customers = [];
let cursor = null;
/** @type {CustomerRow | null} */
let editing = null;
/** The customer whose vehicles are shown, and the vehicle being edited. */
/** @type {CustomerRow | null} */
let selected = null;
/** @type {Vehicle | null} */
let editingVehicle = null;

function render() {
  fill(list, table([
    { label: "Nama", value: (c) => c.name },
    { label: "No HP", value: (c) => c.no_hp },
    { label: "Terdaftar", value: (c) => dateTime(c.created_at) },
    { label: "Aksi", value: (c) => el("div", { class: "row-actions" },
      button("Kendaraan", () => open(c), { "aria-label": `Kendaraan ${c.name}` }),
      button("Ubah", () => edit(c), { "aria-label": `Ubah ${c.name}`, "data-needs": "staff" }),
      button("Hapus", (event) => remove(c, event.currentTarget), { class: "danger", "aria-label": `Hapus ${c.name}`, "data-needs": "admin" })) },
  ], customers, { empty: "Belum ada pelanggan di register." }));
  more.hidden = !cursor;
}

async function load(append = false) {
  clearErrors(section);
  try {
    const { body } = /** @type {Answer<CustomerList>} */ (await get("customers/", { limit: PAGE, cursor: append ? cursor : undefined }));
    counts.textContent = `${number(body.total)} pelanggan terdaftar`;
    customers = append ? customers.concat(body.data) : body.data;
    cursor = body.next_cursor;
    render();
  } catch (error) {
    showError(section, error, "_load");
  }
}

function renderVehicles(vehicles) {
  fill(vehicleList, table([
    { label: "Nopol", value: (v) => v.nopol },
    { label: "Model", value: (v) => v.model },
    { label: "Jenis", value: (v) => (v.kind === "motor" ? "Motor" : "Mobil") },
    { label: "Kunjungan terakhir", value: (v) => date(v.last_visit) },
    { label: "Odometer", value: (v) => (v.odometer_km == null ? "—" : `${number(v.odometer_km)} km`) },
    { label: "Service berikutnya", value: (v) => nextService(v) },
    { label: "Aksi", value: (v) => el("div", { class: "row-actions" },
      button("Kunjungan", () => visits.show(selected.id, v, () => reloadVehicles()), { "aria-label": `Kunjungan ${v.nopol}` }),
      button("Ubah", () => editVehicle(v), { "aria-label": `Ubah ${v.nopol}`, "data-needs": "staff" }),
      button("Hapus", (event) => removeVehicle(v, event.currentTarget), { class: "danger", "aria-label": `Hapus ${v.nopol}`, "data-needs": "admin" })) },
  ], vehicles, { empty: "Belum ada kendaraan." }));
}

/** The next service and what set it: `25 Januari 2026 (kilometer)`. */
function nextService(v) {
  if (!v.next_service) return null;
  return `${date(v.next_service)} (${v.due_reason === "kilometer" ? "kilometer" : "tanggal"})`;
}

async function reloadVehicles() {
  const { body } = /** @type {Answer<Vehicle[]>} */ (await get(`customers/${selected.id}/vehicles`));
  renderVehicles(body);
}

async function open(customer) {
  selected = customer;
  stopEditingVehicle();
  visits.hide();
  detail.hidden = false;
  detailTitle.textContent = `Kendaraan ${customer.name}`;
  clearErrors(detail);
  try {
    await reloadVehicles();
    detailTitle.focus();
  } catch (error) {
    showError(detail, error, "_vehicles");
  }
}

function edit(customer) {
  editing = customer;
  form.reset();
  clearErrors(form);
  form.elements.name.value = customer.name;
  form.elements.no_hp.value = customer.no_hp;
  form.elements.no_hp.dispatchEvent(new Event("input"));
  document.getElementById("rf-vehicle").hidden = true;
  formTitle.textContent = `Ubah ${customer.name}`;
  cancel.hidden = false;
  form.elements.name.focus();
}

function stopEditing() {
  editing = null;
  form.reset();
  clearErrors(form);
  document.getElementById("rf-vehicle").hidden = false;
  formTitle.textContent = "Tambah pelanggan";
  cancel.hidden = true;
}

async function save(event) {
  event.preventDefault();
  clearErrors(form);
  const { name, no_hp: noHp, nopol, model, last_visit: lastVisit } = values(form, true);
  const submit = form.querySelector("[type=submit]");
  await busy(submit, async () => {
    if (editing) {
      const { body } = /** @type {Answer<Customer>} */ (await put(`customers/${editing.id}`, { name, no_hp: noHp }));
      customers = customers.map((c) => (c.id === body.id ? body : c));
      notify(`Data ${body.name} disimpan.`);
      stopEditing();
    } else {
      const vehicles = nopol || model ? [{ nopol, model, ...(lastVisit ? { last_visit: lastVisit } : {}) }] : [];
      const { body } = /** @type {Answer<Customer>} */ (await post("customers/", { name, no_hp: noHp, vehicles }));
      customers = [body, ...customers];
      notify(`Pelanggan ${body.name} ditambahkan${body.vehicles.length ? ` dengan ${body.vehicles[0].nopol}` : ""}.`);
      form.reset();
      open(body);
    }
    render();
  }, (error) => showError(form, error));
}

async function remove(customer, control) {
  if (!(await confirmAction(`Hapus ${customer.name} beserta semua kendaraannya? Riwayat laporannya tetap disimpan.`, "Ya, hapus"))) return;
  await busy(control, async () => {
    await del(`customers/${customer.id}`);
    customers = customers.filter((c) => c.id !== customer.id);
    if (selected && selected.id === customer.id) detail.hidden = true;
    notify(`${customer.name} dihapus dari register.`);
    render();
  }, (error) => notify(error.message, "error"));
}

function editVehicle(vehicle) {
  editingVehicle = vehicle;
  clearErrors(vehicleForm);
  vehicleForm.elements.nopol.value = vehicle.nopol;
  vehicleForm.elements.model.value = vehicle.model;
  vehicleForm.elements.last_visit.value = vehicle.last_visit || "";
  vehicleForm.elements.kind.value = vehicle.kind || "mobil";
  vehicleForm.elements.service_interval_km.value = vehicle.service_interval_km ?? "";
  vehicleForm.elements.service_interval_months.value = vehicle.service_interval_months ?? "";
  vehicleFormTitle.textContent = `Ubah ${vehicle.nopol}`;
  vehicleCancel.hidden = false;
  vehicleForm.elements.nopol.focus();
}

function stopEditingVehicle() {
  editingVehicle = null;
  vehicleForm.reset();
  clearErrors(vehicleForm);
  vehicleFormTitle.textContent = "Tambah kendaraan";
  vehicleCancel.hidden = true;
}

async function saveVehicle(event) {
  event.preventDefault();
  clearErrors(vehicleForm);
  const body = values(vehicleForm, true);
  if (!body.last_visit) body.last_visit = editingVehicle ? null : undefined;
  // An empty interval is the workshop's default: cleared on a change, left out on a new vehicle.
  for (const name of ["service_interval_km", "service_interval_months"]) {
    body[name] = body[name] ? Number(body[name]) : editingVehicle ? null : undefined;
  }
  const submit = vehicleForm.querySelector("[type=submit]");
  await busy(submit, async () => {
    const path = `customers/${selected.id}/vehicles`;
    const { body: vehicle } = /** @type {Answer<Vehicle>} */ (editingVehicle
      ? await put(`${path}/${editingVehicle.id}`, body)
      : await post(path, body));
    notify(`Kendaraan ${vehicle.nopol} disimpan.`);
    await open(selected);
  }, (error) => showError(vehicleForm, error));
}

async function removeVehicle(vehicle, control) {
  if (!(await confirmAction(`Hapus kendaraan ${vehicle.nopol} (${vehicle.model})?`, "Ya, hapus"))) return;
  await busy(control, async () => {
    await del(`customers/${selected.id}/vehicles/${vehicle.id}`);
    notify(`Kendaraan ${vehicle.nopol} dihapus.`);
    await open(selected);
  }, (error) => notify(error.message, "error"));
}

detailTitle.tabIndex = -1;
form.addEventListener("submit", save);
cancel.addEventListener("click", stopEditing);
vehicleForm.addEventListener("submit", saveVehicle);
vehicleCancel.addEventListener("click", stopEditingVehicle);
more.addEventListener("click", () => busy(more, () => load(true)));

export const show = () => load();
