// @ts-check
// What every section uses: building elements, tables, messages next to fields, the
// confirmation dialog, and Indonesian dates.

import { ApiError } from "./http.js";

/** `<tag attrs>children</tag>`; strings become text, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/**
 * The form of that id, its controls named as in the page (`form.elements.no_hp`).
 * @param {string} id
 * @returns {HTMLFormElement & {elements: any}}
 */
export function formById(id) {
  return /** @type {any} */ (document.getElementById(id));
}

export function button(label, onclick, attrs = {}) {
  return el("button", { type: "button", onclick, ...attrs }, label);
}

/**
 * A table in a scrolling wrapper. `columns`: [{label, value(row) -> text|Node, sort?}];
 * a column with `sort` shows its header as a button that calls `sort.onclick`.
 */
/**
 * @template Row
 * @param {{label: string, value: (row: Row) => any, sort?: any}[]} columns
 * @param {Row[]} rows
 * @param {{caption?: string, empty?: string}} [options]
 */
export function table(columns, rows, { caption, empty = "Belum ada data." } = {}) {
  if (!rows.length) return el("p", { class: "muted empty" }, empty);
  const head = el("tr", {}, columns.map((column) => {
    if (!column.sort) return el("th", { scope: "col" }, column.label);
    const state = column.sort.state; // "ascending" | "descending" | undefined
    const arrow = state === "ascending" ? " ▲" : state === "descending" ? " ▼" : "";
    return el("th", { scope: "col", "aria-sort": state || "none" },
      button(column.label + arrow, column.sort.onclick, { class: "link sort" }));
  }));
  const body = rows.map((row) => el("tr", {}, columns.map((column) => {
    const value = column.value(row);
    return el("td", { "data-label": column.label }, value === null || value === undefined ? "–" : value);
  })));
  const sortable = columns.some((column) => column.sort);
  return el("div", { class: sortable ? "table-wrap sortable" : "table-wrap" },
    el("table", {}, caption ? el("caption", {}, caption) : null, el("thead", {}, head), el("tbody", {}, body)));
}

/** Replaces the content of `target` with `nodes`. */
export function fill(target, ...nodes) {
  target.replaceChildren(...nodes.flat().filter(Boolean));
}

let noticeTimer;
/** Says what an action did, in the page's live region, for a few seconds. */
export function notify(text, kind = "ok") {
  const notice = document.getElementById("notice");
  notice.className = `notice ${kind}`;
  notice.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(clearNotice, 8000);
}

export function clearNotice() {
  const notice = document.getElementById("notice");
  notice.textContent = "";
  notice.className = "notice";
}

/** Clears every message of `scope` (a form or a section). */
export function clearErrors(scope) {
  for (const node of scope.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of scope.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/**
 * Shows an error next to what it is about: each field error of a 422 next to its field in
 * `scope`, anything else in `scope`'s `[data-error-for=fallback]`.
 */
export function showError(scope, error, fallback = "_form") {
  const fields = error instanceof ApiError ? error.fields() : {};
  let placed = false;
  for (const [name, message] of Object.entries(fields)) {
    const slot = scope.querySelector(`[data-error-for="${name}"]`);
    if (!slot) continue;
    slot.textContent = message;
    const input = scope.querySelector(`[name="${name}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      if (!placed) input.focus();
    }
    placed = true;
  }
  if (!placed) {
    const slot = scope.querySelector(`[data-error-for="${fallback}"]`);
    if (slot) slot.textContent = error.message || String(error);
  }
}

/** Runs `action` with `control` disabled and marked busy; errors go to `onError`. */
export async function busy(control, action, onError) {
  control.disabled = true;
  control.setAttribute("aria-busy", "true");
  try {
    return await action();
  } catch (error) {
    if (onError) onError(error);
    else throw error;
  } finally {
    control.disabled = false;
    control.removeAttribute("aria-busy");
  }
}

/** Asks before an action that changes or removes data; resolves true to go on. */
export function confirmAction(text, okLabel = "Ya, lanjutkan") {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("confirm"));
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);
  dialog.showModal();
  document.getElementById("confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "ok");
    }, { once: true });
  });
}

/** The values of a form's named fields, trimmed; empty ones left out unless `keepEmpty`. */
export function values(form, keepEmpty = false) {
  const result = {};
  for (const field of form.elements) {
    if (!field.name || field.type === "submit" || field.type === "button" || field.type === "file") continue;
    if (field.type === "checkbox") {
      result[field.name] = field.checked;
      continue;
    }
    const value = field.value.trim();
    if (value || keepEmpty) result[field.name] = value;
  }
  return result;
}

const dateFormat = new Intl.DateTimeFormat("id-ID", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("id-ID", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** `2026-01-15` -> `15 Januari 2026`. */
export function date(iso) {
  if (!iso) return null;
  const parsed = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? iso : dateFormat.format(parsed);
}

/** An RFC 3339 instant in the browser's time. */
export function dateTime(iso) {
  if (!iso) return null;
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) ? iso : timeFormat.format(parsed);
}

export function number(value) {
  return new Intl.NumberFormat("id-ID").format(value ?? 0);
}

/** A figure card: a label and a big number. */
export function card(label, value, note) {
  return el("div", { class: "card" },
    el("p", { class: "card-label" }, label),
    el("p", { class: "card-value" }, value),
    note ? el("p", { class: "muted" }, note) : null);
}

/** Shows a `<progress>` block with `text` while `action` runs. */
export async function withProgress(block, text, action) {
  const label = block.querySelector("span");
  if (label) label.textContent = text;
  block.hidden = false;
  try {
    return await action();
  } finally {
    block.hidden = true;
  }
}
