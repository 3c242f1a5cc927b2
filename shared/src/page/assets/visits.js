// @ts-check
// Visits: a register vehicle's visits and odometer readings, a form to record one, and the
// estimate they give (the next service by date or by kilometres, whichever comes first).

import { del, get, post } from "./http.js";
import { busy, button, clearErrors, confirmAction, date, el, fill, formById, notify, number, showError, table, values } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["NewVisit"]} NewVisit */
/** @typedef {import("./api").components["schemas"]["Vehicle"]} Vehicle */
/** @typedef {import("./api").components["schemas"]["Visit"]} Visit */
/** @typedef {import("./api").components["schemas"]["VisitList"]} VisitList */
/** @typedef {import("./api").components["schemas"]["VisitRecorded"]} VisitRecorded */

const PAGE = 20;

const panel = document.getElementById("kunjungan");
const title = document.getElementById("kunjungan-title");
const estimate = document.getElementById("kunjungan-estimasi");
const list = document.getElementById("kunjungan-list");
const more = document.getElementById("kunjungan-more");
const form = formById("kunjungan-form");

/** The vehicle whose visits are shown, its path, and what to call when it changed. */
/** @type {Vehicle | null} */
let vehicle = null;
let path = null;
let changed = () => {};
/** @type {Visit[]} */
let visits = [];
let cursor = null;

const SOURCES = { staff: "Bengkel", reply: "Balasan WhatsApp" };

/** Why the next service falls when it does, in the words the reminder uses. */
function reason(v) {
  if (!v.next_service) return "Belum ada kunjungan: service berikutnya belum bisa diperkirakan.";
  const when = `Service berikutnya ${date(v.next_service)}`;
  if (v.due_reason === "kilometer") {
    return `${when}: diperkirakan sudah menempuh ${number(v.next_service_km)} km.`;
  }
  return `${when}: sudah waktunya service (menurut tanggal).`;
}

function renderEstimate(v) {
  const reading = v.odometer_km == null
    ? "Belum ada catatan odometer."
    : `Odometer terakhir ${number(v.odometer_km)} km (${date(v.odometer_date)}); perkiraan hari ini ${number(v.estimated_odometer_km)} km, ${number(v.km_per_day)} km/hari${v.measured_km_per_day == null ? " (perkiraan awal)" : ""}.`;
  fill(estimate, el("p", {}, reading), el("p", { class: "due-reason" }, reason(v)));
}

function render() {
  fill(list, table([
    { label: "Tanggal", value: (k) => date(k.visit_date) },
    { label: "Odometer", value: (k) => (k.odometer_km == null ? "—" : `${number(k.odometer_km)} km`) },
    { label: "Pekerjaan", value: (k) => k.work || "—" },
    { label: "Sumber", value: (k) => SOURCES[k.source] || k.source },
    { label: "Aksi", value: (k) => button("Hapus", (event) => remove(k, event.currentTarget), { class: "danger", "aria-label": `Hapus kunjungan ${k.visit_date}` }) },
  ], visits, { empty: "Belum ada kunjungan." }));
  more.hidden = !cursor;
}

async function load(append = false) {
  clearErrors(panel);
  try {
    const { body } = /** @type {Answer<VisitList>} */ (await get(`${path}/visits`, { limit: PAGE, cursor: append ? cursor : undefined }));
    visits = append ? visits.concat(body.data) : body.data;
    cursor = body.next_cursor;
    render();
  } catch (error) {
    showError(panel, error, "_visits");
  }
}

/** Shows the visits of `shown` (a vehicle of customer `customerId`); `onChange` hears of a new estimate. */
export async function show(customerId, shown, onChange) {
  vehicle = shown;
  path = `customers/${customerId}/vehicles/${shown.id}`;
  changed = onChange;
  panel.hidden = false;
  title.textContent = `Kunjungan ${shown.nopol}`;
  form.reset();
  form.elements.visit_date.value = new Date().toLocaleDateString("en-CA");
  renderEstimate(shown);
  await load();
  title.focus();
}

export function hide() {
  panel.hidden = true;
  vehicle = null;
}

async function save(event) {
  event.preventDefault();
  clearErrors(form);
  const { visit_date: visitDate, odometer_km: odometer, work } = values(form);
  /** @type {NewVisit} */
  const body = { visit_date: visitDate, ...(work ? { work } : {}) };
  if (odometer) body.odometer_km = Number(odometer.replace(/[.,\s]/g, ""));
  const submit = form.querySelector("[type=submit]");
  await busy(submit, async () => {
    const { body: recorded } = /** @type {Answer<VisitRecorded>} */ (await post(`${path}/visits`, body));
    vehicle = recorded.vehicle;
    notify(`Kunjungan ${vehicle.nopol} ${date(recorded.visit_date)} dicatat.`);
    form.elements.odometer_km.value = "";
    form.elements.work.value = "";
    renderEstimate(vehicle);
    await load();
    changed();
  }, (error) => showError(form, error));
}

async function remove(visit, control) {
  if (!(await confirmAction(`Hapus kunjungan ${date(visit.visit_date)}${visit.odometer_km == null ? "" : ` (${number(visit.odometer_km)} km)`}?`, "Ya, hapus"))) return;
  await busy(control, async () => {
    await del(`${path}/visits/${visit.id}`);
    const { body } = /** @type {Answer<Vehicle>} */ (await get(path));
    vehicle = body;
    notify("Kunjungan dihapus.");
    renderEstimate(vehicle);
    await load();
    changed();
  }, (error) => notify(error.message, "error"));
}

title.tabIndex = -1;
form.addEventListener("submit", save);
more.addEventListener("click", () => busy(more, () => load(true)));
