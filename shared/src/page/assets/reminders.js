// @ts-check
// Pengingat: previews and then sends the due reminders of the manual records and the
// register's vehicles together (as the daily run does), lists each one's outcome, lists the
// sends whose outcome is unknown with their two resolutions, and switches the schedules.

import { get, post } from "./http.js";
import { busy, button, card, clearErrors, confirmAction, dateTime, el, fill, notify, number, showError, table, values, withProgress } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["MessageList"]} MessageList */
/** @typedef {import("./api").components["schemas"]["Preview"]} Preview */
/** @typedef {import("./api").components["schemas"]["RunReport"]} RunReport */
/** @typedef {import("./api").components["schemas"]["ScheduleStatus"]} ScheduleStatus */

const section = document.getElementById("pengingat");
const form = document.getElementById("pengingat-form");
const progress = document.getElementById("pengingat-progress");
const result = document.getElementById("pengingat-hasil");
const schedules = document.getElementById("pengingat-jadwal");
const previewButton = document.getElementById("pengingat-pratinjau");
const previewResult = document.getElementById("pengingat-pratinjau-hasil");
const unknownList = document.getElementById("pengingat-cek");

const STATUS = { sent: "Terkirim", failed: "Gagal", unknown: "Belum pasti", skipped: "Dilewati" };
/** The workshop's zones as Indonesians name them. */
const ZONES = { "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };

const SCHEDULES = [
  { path: "scheduler/maintenance-reminder", label: "Pengingat harian", what: "mengirim pengingat yang jatuh tempo" },
  { path: "scheduler/monthly-report-reset", label: "Reset laporan bulanan", what: "mereset hitungan laporan (dengan snapshot)" },
];

function outcome(line) {
  if (line.deferred) return "Ditunda ke jalan berikutnya";
  if (line.status === "scheduled") return `Terjadwal ${new Date(line.scheduled_for).toLocaleString("id-ID")}`;
  return STATUS[line.status] || line.status;
}

function details(lines) {
  return table([
    { label: "Sumber", value: (l) => l.source },
    { label: "Nama", value: (l) => l.customer_name },
    { label: "Nopol", value: (l) => (l.model ? `${l.nopol} (${l.model})` : l.nopol) },
    { label: "Hasil", value: (l) => el("span", { class: `status ${l.deferred ? "deferred" : l.status}` }, outcome(l)) },
    { label: "Keterangan", value: (l) => l.reason },
  ], lines, { empty: "Tidak ada pelanggan dengan service dalam rentang ini." });
}

/** The form's window, as both the preview and the send take it. */
function windowOf() {
  const { days_threshold: days, only_active: onlyActive } = values(form);
  return { days_threshold: days === undefined ? undefined : Number(days), only_active: onlyActive };
}

/** Who the send would reach and who it would skip, manual records and register together. */
async function preview() {
  const { days_threshold: threshold, only_active: onlyActive } = windowOf();
  const manual = /** @type {Answer<Preview>} */ (await get("manual-whatsapp/send-reminders/preview",
    { days_threshold: threshold, only_active: onlyActive ? "true" : "false", limit: 1000 }));
  const register = /** @type {Answer<Preview>} */ (await get("scheduler/maintenance-reminder/preview", { limit: 1000 }));
  // The register's part of the daily preview: the lines with a customer id.
  const vehicles = register.body.data.filter((l) => l.id_customer);
  const lines = [
    ...manual.body.data.map((l) => ({ ...l, source: "Pelanggan manual" })),
    ...vehicles.map((l) => ({ ...l, source: "Register" })),
  ];
  fill(previewResult,
    el("p", { class: "summary" }, `Pratinjau: ${number(lines.filter((l) => l.send).length)} akan dikirim, ${number(lines.filter((l) => !l.send).length)} dilewati.`),
    table([
      { label: "Sumber", value: (l) => l.source },
      { label: "Nama", value: (l) => l.customer_name },
      { label: "Nopol", value: (l) => l.nopol },
      { label: "No HP", value: (l) => l.no_hp },
      { label: "Rencana", value: (l) => el("span", { class: `status ${l.send ? "sent" : "skipped"}` }, l.send ? "Akan dikirim" : "Dilewati") },
      { label: "Pesan / alasan", value: (l) => el("span", { class: "clip", title: l.message || l.reason }, l.message || l.reason) },
    ], lines, { empty: "Tidak ada pelanggan dengan service dalam rentang ini." }));
  return lines.filter((l) => l.send).length;
}

async function sendDue(event) {
  event.preventDefault();
  clearErrors(section);
  const { days_threshold: threshold, only_active: onlyActive } = windowOf();
  const submit = form.querySelector("[type=submit]");
  let planned = 0;
  try {
    planned = await preview();
  } catch (error) {
    showError(form, error);
    return;
  }
  if (!(await confirmAction(`Kirim ${number(planned)} pengingat WhatsApp seperti pada pratinjau?`, "Ya, kirim"))) return;
  await busy(submit, () => withProgress(progress, "", async () => {
    const manual = /** @type {Answer<RunReport>} */ (await post("manual-whatsapp/send-reminders", { days_threshold: threshold, only_active: onlyActive }));
    const register = /** @type {Answer<RunReport>} */ (await post("customers/send-maintenance-reminder", { days_threshold: threshold }));
    const lines = [
      ...manual.body.details.map((l) => ({ ...l, source: "Pelanggan manual" })),
      ...register.body.details.map((l) => ({ ...l, source: "Register" })),
    ];
    const sum = (key) => manual.body[key] + register.body[key];
    const deferred = sum("deferred");
    const unknown = sum("reminder_unknown");
    const scheduled = sum("reminder_scheduled");
    const paused = manual.body.paused_reason || register.body.paused_reason;
    const text = `${number(sum("reminder_sent"))} terkirim, ${number(sum("reminder_failed"))} gagal, ${number(sum("reminder_skipped"))} dilewati`
      + (scheduled ? `, ${number(scheduled)} dijadwalkan (dikirim gateway satu per satu dengan jeda acak agar nomor tidak diblokir)` : "")
      + (unknown ? `, ${number(unknown)} belum pasti (lihat Perlu dicek)` : "")
      + (deferred ? `, ${number(deferred)} ditunda ke jalan berikutnya (alasan di tiap baris)` : "") + "."
      + (paused ? ` Pengiriman dihentikan: ${paused}; lanjutkan dari Dasbor setelah perangkat diperiksa.` : "");
    fill(result, el("p", { class: "summary" }, `Pengingat: ${text}`), details(lines));
    fill(previewResult);
    notify(`Pengingat: ${text}`);
    await loadUnknown();
  }), (error) => showError(form, error));
}

/** `cron(M H * * ? *)` in words, such as "Setiap hari pukul 09.00 WIB"; other forms as they are. */
export function inWords(expression, timezone) {
  const zone = ZONES[timezone] || timezone;
  const [minute, hour, day] = (expression.match(/^cron\((.*)\)$/)?.[1] || "").split(" ");
  if (!/^\d+$/.test(minute || "") || !/^\d+$/.test(hour || "")) return `${expression} (${timezone})`;
  const at = `pukul ${hour.padStart(2, "0")}.${minute.padStart(2, "0")} ${zone}`;
  return day === "*" ? `Setiap hari ${at}` : `Setiap tanggal ${day} ${at}`;
}

/** Sends whose outcome is unknown, each with "Sudah terkirim" and "Belum terkirim". */
async function loadUnknown() {
  try {
    const { body } = /** @type {Answer<MessageList>} */ (await get("messages", { status: "unknown", limit: 100 }));
    fill(unknownList, table([
      { label: "Waktu", value: (m) => dateTime(m.created_at) },
      { label: "Nomor", value: (m) => m.no_hp },
      { label: "Pesan", value: (m) => el("span", { class: "clip", title: m.message }, m.message) },
      { label: "Tindakan", value: (m) => el("span", {},
        button("Sudah terkirim", (event) => resolve(m, "sent", event.currentTarget), { "aria-label": `Sudah terkirim ke ${m.no_hp}` }),
        " ",
        button("Belum terkirim", (event) => resolve(m, "not_sent", event.currentTarget), { "aria-label": `Belum terkirim ke ${m.no_hp}` })) },
    ], body.data, { empty: "Tidak ada pesan yang perlu dicek." }));
  } catch (error) {
    showError(section, error, "_unknown");
  }
}

async function resolve(message, outcome, control) {
  clearErrors(section);
  await busy(control, async () => {
    await post(`messages/${message.id}/resolve`, { outcome });
    notify(outcome === "sent"
      ? `Pesan ke ${message.no_hp} dicatat terkirim.`
      : `Pesan ke ${message.no_hp} dicatat belum terkirim; run berikutnya akan mengirimnya.`);
    await loadUnknown();
  }, (error) => showError(section, error, "_unknown"));
}

function scheduleCard(schedule, state) {
  const on = state.enabled;
  return el("div", { class: "card" },
    el("p", { class: "card-label" }, schedule.label),
    el("p", { class: "card-value" }, on ? "Aktif" : "Berhenti"),
    el("p", { class: "muted" }, on && state.next_run
      ? `Berikutnya: ${dateTime(state.next_run)}`
      : `Jika aktif, ${schedule.what}: ${inWords(state.schedule_expression, state.timezone)}.`),
    button(on ? "Hentikan" : "Mulai", (event) => switchSchedule(schedule, on ? "stop" : "start", event.currentTarget),
      { "aria-label": `${on ? "Hentikan" : "Mulai"} ${schedule.label.toLowerCase()}`, "data-needs": "admin" }));
}

async function loadSchedules() {
  try {
    const states = await Promise.all(SCHEDULES.map((s) => get(`${s.path}/status`)));
    fill(schedules, SCHEDULES.map((s, i) => scheduleCard(s, states[i].body)));
  } catch (error) {
    showError(section, error, "_schedule");
  }
}

async function switchSchedule(schedule, action, control) {
  clearErrors(section);
  await busy(control, async () => {
    const { body } = /** @type {Answer<ScheduleStatus>} */ (await post(`${schedule.path}/${action}`));
    notify(`${schedule.label} ${body.enabled ? "dimulai" : "dihentikan"}.`);
    await loadSchedules();
  }, (error) => showError(section, error, "_schedule"));
}

form.addEventListener("submit", sendDue);
previewButton.addEventListener("click", () => busy(previewButton, preview, (error) => showError(form, error)));

export const show = () => Promise.all([loadSchedules(), loadUnknown()]);
