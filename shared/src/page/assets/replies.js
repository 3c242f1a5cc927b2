// @ts-check
// Berhenti & balasan: the numbers (or vehicles) that receive no more messages, kept by staff
// or by the customers' own STOP replies, and the other replies customers sent.

import { del, get, post } from "./http.js";
import { busy, button, clearErrors, dateTime, el, fill, formById, notify, showError, table, values } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["Inbox"]} Inbox */
/** @typedef {import("./api").components["schemas"]["OptOut"]} OptOut */
/** @typedef {import("./api").components["schemas"]["OptOutList"]} OptOutList */

const section = document.getElementById("balasan");
const form = formById("berhenti-form");
const optOuts = document.getElementById("berhenti-list");
const inbox = document.getElementById("balasan-list");

const SOURCE = { staff: "Staf", reply: "Balasan pelanggan" };

async function add(event) {
  event.preventDefault();
  clearErrors(form);
  const submit = form.querySelector("[type=submit]");
  await busy(submit, async () => {
    const { no_hp: noHp, nopol, reason } = values(form);
    const { body, status } = /** @type {Answer<OptOut>} */ (await post("opt-outs", { no_hp: noHp, nopol: nopol ?? null, reason: reason ?? null }));
    const what = body.nopol ? `kendaraan ${body.nopol} (${body.no_hp})` : body.no_hp;
    notify(status === 201 ? `Pesan ke ${what} dihentikan.` : `Pesan ke ${what} sudah dihentikan sebelumnya.`);
    form.reset();
    await loadOptOuts();
  }, (error) => showError(form, error));
}

async function remove(optOut, control) {
  clearErrors(section);
  await busy(control, async () => {
    await del(`opt-outs/${optOut.no_hp}`, { nopol: optOut.nopol ?? undefined });
    notify(`${optOut.no_hp} menerima pesan kembali.`);
    await loadOptOuts();
  }, (error) => showError(section, error));
}

async function loadOptOuts() {
  try {
    const { body } = /** @type {Answer<OptOutList>} */ (await get("opt-outs", { limit: 1000 }));
    fill(optOuts, table([
      { label: "Sejak", value: (o) => dateTime(o.created_at) },
      { label: "No HP", value: (o) => o.no_hp },
      { label: "Kendaraan", value: (o) => o.nopol || "Semua" },
      { label: "Dari", value: (o) => SOURCE[o.source] || o.source },
      { label: "Alasan", value: (o) => o.reason },
      { label: "", value: (o) => button("Kirim lagi", (event) => remove(o, event.currentTarget), { "aria-label": `Kirim lagi ke ${o.no_hp}${o.nopol ? ` (${o.nopol})` : ""}` }) },
    ], body.data, { empty: "Belum ada nomor yang berhenti." }));
  } catch (error) {
    showError(section, error);
  }
}

async function loadInbox() {
  try {
    const { body } = /** @type {Answer<Inbox>} */ (await get("inbox", { limit: 100 }));
    fill(inbox, table([
      { label: "Waktu", value: (r) => dateTime(r.received_at) },
      { label: "Dari", value: (r) => r.no_hp },
      { label: "Pesan", value: (r) => el("span", { class: "clip", title: r.message }, r.message) },
    ], body.data, { empty: "Belum ada balasan." }));
  } catch (error) {
    showError(section, error, "_inbox");
  }
}

form.addEventListener("submit", add);

export const show = () => Promise.all([loadOptOuts(), loadInbox()]);
