// @ts-check
// Pesan: a custom message with a live counter of the API's 2,000-character limit and the
// number it will go to, and the message log with its failed filter.

import { get, post } from "./http.js";
import { busy, clearErrors, dateTime, el, fill, formById, notify, showError, table, values } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["CustomMessage"]} CustomMessage */
/** @typedef {import("./api").components["schemas"]["CustomMessageAnswer"]} CustomMessageAnswer */
/** @typedef {import("./api").components["schemas"]["MessageEntry"]} MessageEntry */
/** @typedef {import("./api").components["schemas"]["MessageList"]} MessageList */

/** The API's limit (shared/src/messages/mod.rs, MAX_MESSAGE_CHARS), counted in characters. */
const MAX_CHARS = 2000;

const section = document.getElementById("pesan");
const form = formById("pesan-form");
const counter = document.getElementById("pesan-hitung");
const result = document.getElementById("pesan-hasil");
const filter = formById("pesan-filter");
const log = document.getElementById("pesan-log");
const more = document.getElementById("pesan-more");

const STATUS = { sent: "Terkirim", failed: "Gagal", unknown: "Belum pasti", outbox: "Outbox (tidak dikirim)", scheduled: "Terjadwal" };
/**
 * The provider's word after accepting a message: one tick, two ticks, two blue ticks.
 * @type {Record<string, [string, string]>}
 */
const DELIVERY = {
  sent: ["✓", "Terkirim ke WhatsApp"],
  delivered: ["✓✓", "Sampai di HP pelanggan"],
  read: ["✓✓", "Dibaca"],
  failed: ["✗", "Gagal sampai"],
};
const SOURCE = { custom: "Pesan", single: "Pengingat satuan", bulk: "Pengingat massal", scheduled: "Terjadwal", confirmation: "Konfirmasi balasan" };

/** @type {MessageEntry[]} */
let entries = [];
let cursor = null;

/** Characters as the API counts them (Unicode scalar values, not UTF-16 units). */
function length(text) {
  return [...text].length;
}

function count() {
  const used = length(form.elements.message.value);
  const over = used - MAX_CHARS;
  counter.classList.toggle("over", over > 0);
  counter.textContent = over > 0
    ? `${used} / ${MAX_CHARS} karakter: ${over} karakter terlalu panjang`
    : `${used} / ${MAX_CHARS} karakter`;
}

async function send(event) {
  event.preventDefault();
  clearErrors(form);
  fill(result);
  const submit = form.querySelector("[type=submit]");
  await busy(submit, async () => {
    /** @type {CustomMessage} */
    const message = { no_hp: form.elements.no_hp.value, message: form.elements.message.value };
    const { body, status } = /** @type {Answer<CustomMessageAnswer>} */ (await post("manual-whatsapp/send-custom-message", message));
    if (status === 502 || status === 409 || body.status === "failed") {
      const reason = body.error || "gateway menolak pesan";
      form.querySelector('[data-error-for="_form"]').textContent = `Pesan ke ${body.no_hp} gagal dikirim: ${reason}`;
    } else {
      const text = body.status === "outbox"
        ? `Pesan untuk ${body.no_hp} disimpan di outbox (StarSender belum diatur), tidak dikirim.`
        : body.status === "scheduled"
          ? `Sekarang jam tenang: pesan untuk ${body.no_hp} dijadwalkan dan dikirim gateway pada ${dateTime(body.scheduled_for)}.`
          : `Pesan terkirim ke ${body.no_hp}.`;
      fill(result, el("p", { class: "summary ok" }, text));
      notify(text);
      form.reset();
      count();
    }
    await loadLog();
  }, (error) => showError(form, error));
}

/**
 * The delivery status as ticks, with its words and time for a screen reader and a hover.
 * @param {MessageEntry} m
 */
function ticks(m) {
  const status = m.delivery_status;
  if (!status) return "";
  const shown = DELIVERY[status];
  const times = m.delivery;
  const at = { sent: times?.sent_at, delivered: times?.delivered_at, read: times?.read_at, failed: times?.failed_at }[status];
  const words = at ? `${shown[1]}, ${dateTime(at)}` : shown[1];
  const detail = status === "failed" && m.delivery_error ? `${words}: ${m.delivery_error}` : words;
  return el("span", { class: `ticks ${status}`, title: detail, "aria-label": detail }, `${shown[0]} ${shown[1]}`);
}

function render() {
  fill(log, table([
    { label: "Waktu", value: (m) => dateTime(m.created_at) },
    { label: "Nomor", value: (m) => m.no_hp },
    { label: "Jenis", value: (m) => SOURCE[m.source] || m.source },
    { label: "Status", value: (m) => el("span", { class: `status ${m.status}` }, STATUS[m.status] || m.status) },
    { label: "Diterima", value: ticks },
    { label: "Pesan", value: (m) => el("span", { class: "clip", title: m.message }, m.message) },
    { label: "Keterangan", value: (m) => m.error || (m.scheduled_for ? `Dikirim gateway pada ${dateTime(m.scheduled_for)}` : "") },
  ], entries, { empty: "Belum ada pesan." }));
  more.hidden = !cursor;
}

async function loadLog(append = false) {
  clearErrors(filter);
  const { failed } = values(filter);
  try {
    const { body } = /** @type {Answer<MessageList>} */ (await get("messages", { limit: 50, status: failed ? "failed" : undefined, cursor: append ? cursor : undefined }));
    entries = append ? entries.concat(body.data) : body.data;
    cursor = body.next_cursor;
    render();
  } catch (error) {
    showError(section, error, "_log");
  }
}

form.addEventListener("submit", send);
form.elements.message.addEventListener("input", count);
filter.addEventListener("submit", (event) => {
  event.preventDefault();
  loadLog();
});
filter.elements.failed.addEventListener("change", () => loadLog());
more.addEventListener("click", () => busy(more, () => loadLog(true)));
count();

export const show = () => loadLog();
