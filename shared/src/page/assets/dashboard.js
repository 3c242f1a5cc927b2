// @ts-check
// Dasbor: the summary and the dashboard at a glance, and the messages sent per day over the
// last 30 days, counted from the message log.

import { get, post } from "./http.js";
import { barChart } from "./chart.js";
import { busy, card, clearErrors, date, dateTime, el, fill, notify, number, showError, table } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["MessageList"]} MessageList */

const DAYS = 30;
/** The log pages read for the chart at most (1,000 entries each). */
const MAX_PAGES = 20;

const section = document.getElementById("dasbor");

/** `YYYY-MM-DD` of an instant in the browser's time. */
function day(instant) {
  const d = new Date(instant);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Sent messages per day, oldest day first, from the newest-first log. */
async function sentPerDay() {
  const days = [];
  const today = new Date();
  for (let back = DAYS - 1; back >= 0; back -= 1) {
    const d = new Date(today.getFullYear(), today.getMonth(), today.getDate() - back);
    days.push(day(d));
  }
  const counts = Object.fromEntries(days.map((d) => [d, 0]));
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { body } = /** @type {Answer<MessageList>} */ (await get("messages", { status: "sent", limit: 1000, cursor }));
    let older = false;
    for (const entry of body.data) {
      const key = day(entry.created_at);
      if (key in counts) counts[key] += 1;
      else if (key < days[0]) older = true;
    }
    cursor = body.next_cursor;
    if (!cursor || older) break;
  }
  return days.map((d) => ({ day: d, value: counts[d] }));
}

/** A paused run's reason, with the button that resumes the runs. */
function brake(reason) {
  const box = document.getElementById("dasbor-brake");
  if (!reason) {
    fill(box);
    return;
  }
  const resume = el("button", { type: "button" }, "Lanjutkan pengiriman");
  resume.addEventListener("click", () => busy(resume, async () => {
    await post("scheduler/maintenance-reminder/start");
    notify("Pengiriman dilanjutkan. Pastikan perangkat WhatsApp sudah tersambung.");
    await show();
  }, (error) => notify(error.message, "error")));
  fill(box, el("div", { class: "notice error" },
    el("p", {}, `Pengiriman otomatis dihentikan: ${reason}. Periksa perangkat WhatsApp di StarSender, lalu lanjutkan.`),
    resume));
}

export async function show() {
  clearErrors(section);
  try {
    const [summary, dashboard, perDay, schedule] = await Promise.all([
      get("manual-whatsapp/stats/summary"), get("manual-whatsapp/dashboard"), sentPerDay(),
      get("scheduler/maintenance-reminder/status"),
    ]);
    const s = summary.body.data;
    brake(schedule.body.paused_reason);
    fill(document.getElementById("dasbor-cards"),
      card("Pesan hari ini", number(s.sent_today), `sisa ${number(s.left_today)} dari batas harian`),
      card("Pesan jam ini", number(s.sent_this_hour), "dibatasi per jam agar nomor tidak diblokir"),
      card("Pelanggan manual", number(s.total_customers), `${number(s.active_customers)} aktif, ${number(s.inactive_customers)} nonaktif`),
      card("Service dalam 7 hari", number(s.customers_with_upcoming_service), "pelanggan aktif"),
      card("Pengingat bulan ini", number(dashboard.body.reminders_this_month)),
      card("Pengingat terkirim", number(s.reminders_sent_total), "sejak awal"));
    const total = perDay.reduce((sum, d) => sum + d.value, 0);
    fill(document.getElementById("dasbor-chart"),
      barChart(perDay.map((d) => ({ label: d.day.slice(8), value: d.value, title: `${date(d.day)}: ${d.value} pesan` })), {
        summary: `${total} pesan terkirim dalam ${DAYS} hari terakhir`, labelEvery: 7,
      }),
      el("p", { class: "muted" }, `${number(total)} pesan terkirim dalam ${DAYS} hari terakhir.`));
    fill(document.getElementById("dasbor-top"), table([
      { label: "Nama", value: (c) => c.customer_name },
      { label: "Nopol", value: (c) => c.nopol },
      { label: "Pengingat", value: (c) => number(c.reminder_count) },
      { label: "Terakhir", value: (c) => dateTime(c.last_sent) },
    ], dashboard.body.top_customers.filter((c) => c.reminder_count > 0), { empty: "Belum ada pengingat yang terkirim." }));
  } catch (error) {
    showError(section, error, "_load");
  }
}
