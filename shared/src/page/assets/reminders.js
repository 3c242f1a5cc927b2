// Pengingat: sends the due reminders of the manual records and the register's vehicles
// together (as the daily run does), lists each one's outcome, and switches the schedules.

import { get, post } from "./api.js";
import { busy, button, card, clearErrors, confirmAction, dateTime, el, fill, notify, number, showError, table, values, withProgress } from "./ui.js";

const section = document.getElementById("pengingat");
const form = document.getElementById("pengingat-form");
const progress = document.getElementById("pengingat-progress");
const result = document.getElementById("pengingat-hasil");
const schedules = document.getElementById("pengingat-jadwal");

const STATUS = { sent: "Terkirim", failed: "Gagal", skipped: "Dilewati" };

const SCHEDULES = [
  { path: "scheduler/maintenance-reminder", label: "Pengingat harian", what: "mengirim pengingat yang jatuh tempo" },
  { path: "scheduler/monthly-report-reset", label: "Reset laporan bulanan", what: "mereset hitungan laporan (dengan snapshot)" },
];

function outcome(line) {
  if (line.deferred) return "Ditunda ke jalan berikutnya";
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

async function sendDue(event) {
  event.preventDefault();
  clearErrors(section);
  const { days_threshold: days, only_active: onlyActive } = values(form);
  const threshold = days === undefined ? undefined : Number(days);
  if (!(await confirmAction(`Kirim pengingat WhatsApp ke semua pelanggan yang jadwal servicenya dalam ${days ?? 3} hari?`, "Ya, kirim"))) return;
  const submit = form.querySelector("[type=submit]");
  await busy(submit, () => withProgress(progress, "", async () => {
    const manual = await post("manual-whatsapp/send-reminders", { days_threshold: threshold, only_active: onlyActive });
    const register = await post("customers/send-maintenance-reminder", { days_threshold: threshold });
    const lines = [
      ...manual.body.details.map((l) => ({ ...l, source: "Pelanggan manual" })),
      ...register.body.details.map((l) => ({ ...l, source: "Register" })),
    ];
    const sum = (key) => manual.body[key] + register.body[key];
    const deferred = sum("deferred");
    const text = `${number(sum("reminder_sent"))} terkirim, ${number(sum("reminder_failed"))} gagal, ${number(sum("reminder_skipped"))} dilewati`
      + (deferred ? `, ${number(deferred)} ditunda (waktu habis; kirim lagi untuk melanjutkan)` : "") + ".";
    fill(result, el("p", { class: "summary" }, `Pengingat: ${text}`), details(lines));
    notify(`Pengingat: ${text}`);
  }), (error) => showError(form, error));
}

function scheduleCard(schedule, state) {
  const on = state.enabled;
  return el("div", { class: "card" },
    el("p", { class: "card-label" }, schedule.label),
    el("p", { class: "card-value" }, on ? "Aktif" : "Berhenti"),
    el("p", { class: "muted" }, on && state.next_run
      ? `Berikutnya: ${dateTime(state.next_run)}`
      : `Jika aktif, ${schedule.what} (${state.schedule_expression}, ${state.timezone}).`),
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
    const { body } = await post(`${schedule.path}/${action}`);
    notify(`${schedule.label} ${body.enabled ? "dimulai" : "dihentikan"}.`);
    await loadSchedules();
  }, (error) => showError(section, error, "_schedule"));
}

form.addEventListener("submit", sendDue);

export const show = loadSchedules;
