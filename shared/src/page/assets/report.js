// @ts-check
// Laporan: the report's statistics and frequency chart, the detail rows sortable by frequency
// and last message date, resets (one customer, one pair, everything) and their snapshots.

import { get, post } from "./http.js";
import { barChart } from "./chart.js";
import { busy, button, card, clearErrors, confirmAction, dateTime, el, fill, notify, number, showError, table } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["ReportDetailRow"]} ReportDetailRow */
/** @typedef {import("./api").components["schemas"]["ReportRow"]} ReportRow */
/** @typedef {import("./api").components["schemas"]["ResetAnswer"]} ResetAnswer */
/** @typedef {import("./api").components["schemas"]["RestoreAnswer"]} RestoreAnswer */
/** @typedef {import("./api").components["schemas"]["SnapshotInfo"]} SnapshotInfo */
/** @typedef {import("./api").components["schemas"]["Statistics"]} Statistics */

const PAGE = 100;
/** Pages of the plain list read to know each row's customer and vehicle ids. */
const ID_PAGES = 20;

const section = document.getElementById("laporan");
const detail = document.getElementById("laporan-rincian");
const more = document.getElementById("laporan-more");
const snapshots = document.getElementById("laporan-snapshot");

/** The detail's order: the API's `sort` and `order`. */
let sort = { by: "frequency", order: "desc" };
let rows = [];
let cursor = null;
/** Report row id -> {id_customer, id_vehicle}: the detail rows do not carry them. */
let owners = new Map();

const STATUS = { resetting: "Reset belum selesai", reset: "Direset", restoring: "Pemulihan belum selesai", restored: "Dipulihkan" };

async function statistics() {
  const { body } = /** @type {Answer<Statistics>} */ (await get("whatsapp-report/statistics"));
  fill(document.getElementById("laporan-cards"),
    card("Pasangan pelanggan–kendaraan", number(body.total_customers_with_vehicles)),
    card("Pesan terkirim", number(body.total_messages_sent)),
    card("Rata-rata per pasangan", new Intl.NumberFormat("id-ID").format(body.average_messages_per_customer)));
  const bars = Object.entries(body.customers_by_frequency)
    .map(([frequency, pairs]) => ({ frequency: Number(frequency), pairs }))
    .sort((a, b) => a.frequency - b.frequency)
    .map(({ frequency, pairs }) => ({ label: String(frequency), value: pairs, title: `${frequency} pesan: ${pairs} pasangan` }));
  fill(document.getElementById("laporan-chart"), bars.length
    ? [barChart(bars, { summary: `Jumlah pasangan menurut jumlah pesan: ${bars.map((b) => b.title).join(", ")}` }),
      el("p", { class: "muted" }, "Sumbu bawah: jumlah pesan; tinggi batang: jumlah pasangan.")]
    : el("p", { class: "muted empty" }, "Belum ada pesan di laporan."));
}

async function loadOwners() {
  owners = new Map();
  let after = null;
  for (let page = 0; page < ID_PAGES; page += 1) {
    const { body, headers } = /** @type {Answer<ReportRow[]>} */ (await get("whatsapp-report/", { limit: 1000, cursor: after }));
    for (const row of body) owners.set(row.id, { id_customer: row.id_customer, id_vehicle: row.id_vehicle });
    after = headers.get("X-Next-Cursor");
    if (!after) break;
  }
}

function sortColumn(by) {
  const state = sort.by === by ? (sort.order === "asc" ? "ascending" : "descending") : undefined;
  return {
    state,
    onclick: () => {
      sort = { by, order: sort.by === by && sort.order === "desc" ? "asc" : "desc" };
      loadDetail().then(() => /** @type {HTMLElement | null} */ (detail.querySelector(`th[aria-sort="${sort.order === "asc" ? "ascending" : "descending"}"] button`))?.focus());
    },
  };
}

function render() {
  fill(detail, table([
    { label: "Nama", value: (r) => r.customer_name },
    { label: "No HP", value: (r) => r.customer_phone },
    { label: "Kendaraan", value: (r) => `${r.vehicle_nopol} (${r.vehicle_model})` },
    { label: "Jumlah pesan", value: (r) => number(r.frequency), sort: sortColumn("frequency") },
    { label: "Pesan terakhir", value: (r) => dateTime(r.last_message_date), sort: sortColumn("last_message_date") },
    { label: "Aksi", value: (r) => {
      const owner = owners.get(r.id);
      if (!owner) return null;
      return el("div", { class: "row-actions" },
        button("Reset pelanggan", (event) => reset({ customer_id: owner.id_customer }, `semua kendaraan ${r.customer_name}`, event.currentTarget), { "aria-label": `Reset pelanggan ${r.customer_name}`, "data-needs": "admin" }),
        button("Reset kendaraan ini", (event) => reset({ customer_id: owner.id_customer, vehicle_id: owner.id_vehicle }, `${r.customer_name}, ${r.vehicle_nopol}`, event.currentTarget), { "aria-label": `Reset ${r.customer_name} ${r.vehicle_nopol}`, "data-needs": "admin" }));
    } },
  ], rows, { empty: "Belum ada baris laporan: laporan terisi saat pengingat register terkirim." }));
  more.hidden = !cursor;
}

async function loadDetail(append = false) {
  const { body, headers } = /** @type {Answer<ReportDetailRow[]>} */ (await get("whatsapp-report/detail", {
    sort: sort.by, order: sort.order, limit: PAGE, cursor: append ? cursor : undefined,
  }));
  rows = append ? rows.concat(body) : body;
  cursor = headers.get("X-Next-Cursor");
  render();
}

function scope(snapshot) {
  const { id_customer: customer, id_vehicle: vehicle } = snapshot.scope || {};
  if (!customer) return "Semua";
  const row = rows.find((r) => owners.get(r.id)?.id_customer === customer && (!vehicle || owners.get(r.id)?.id_vehicle === vehicle));
  const name = row ? row.customer_name : "satu pelanggan";
  return vehicle ? `${name}, ${row ? row.vehicle_nopol : "satu kendaraan"}` : name;
}

async function loadSnapshots() {
  const { body } = /** @type {Answer<SnapshotInfo[]>} */ (await get("whatsapp-report/snapshots"));
  fill(snapshots, table([
    { label: "Waktu", value: (s) => dateTime(s.created_at) },
    { label: "Cakupan", value: scope },
    { label: "Pemicu", value: (s) => (s.trigger === "scheduled" ? "Terjadwal" : "Manual") },
    { label: "Baris", value: (s) => number(s.row_count) },
    { label: "Pesan direset", value: (s) => number(s.total_frequency) },
    { label: "Status", value: (s) => STATUS[s.status] || s.status },
    { label: "Aksi", value: (s) => (s.status === "restored" ? null
      : button("Pulihkan", (event) => restore(s, event.currentTarget), { "aria-label": `Pulihkan snapshot ${dateTime(s.created_at)} (${scope(s)})`, "data-needs": "admin" })) },
  ], body, { empty: "Belum ada reset." }));
}

async function reset(query, what, control) {
  clearErrors(section);
  if (!(await confirmAction(`Reset hitungan pesan untuk ${what}? Snapshot disimpan dulu, jadi bisa dipulihkan.`, "Ya, reset"))) return;
  await busy(control, async () => {
    const { body } = /** @type {Answer<ResetAnswer>} */ (await post("whatsapp-report/reset-frequency", undefined, query));
    notify(`${body.message || "Reset selesai"} (${number(body.reset_count)} baris).`);
    await refresh();
  }, (error) => showError(section, error, "_reset"));
}

async function restore(snapshot, control) {
  clearErrors(section);
  if (!(await confirmAction(`Pulihkan hitungan dari snapshot ${dateTime(snapshot.created_at)} (${scope(snapshot)})?`, "Ya, pulihkan"))) return;
  await busy(control, async () => {
    const { body } = /** @type {Answer<RestoreAnswer>} */ (await post(`whatsapp-report/snapshots/${snapshot.id}/restore`));
    notify(`${body.message || "Snapshot dipulihkan"} (${number(body.restored_count)} baris).`);
    await refresh();
  }, (error) => showError(section, error, "_restore"));
}

async function refresh() {
  clearErrors(section);
  try {
    await Promise.all([statistics(), loadOwners()]);
    await loadDetail();
    await loadSnapshots();
  } catch (error) {
    showError(section, error, "_load");
  }
}

document.getElementById("laporan-reset-semua").addEventListener("click", (event) =>
  reset({}, "semua pelanggan", event.currentTarget));
more.addEventListener("click", () => busy(more, () => loadDetail(true), (error) => showError(section, error, "_load")));

export const show = refresh;
