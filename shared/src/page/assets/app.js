// @ts-check
// The page: sign-in (a token from `#token=…` or pasted, kept for this tab's session only),
// the section navigation, and the way back to the sign-in when the API refuses the token.

import { claims, clearToken, get, setToken, token, whenRefused } from "./http.js";
import * as dashboard from "./dashboard.js";
import * as importing from "./import.js";
import * as manual from "./manual.js";
import * as messages from "./messages.js";
import { previewPhones } from "./phone.js";
import * as register from "./register.js";
import * as reminders from "./reminders.js";
import * as replies from "./replies.js";
import * as report from "./report.js";
import { clearErrors, clearNotice, dateTime, formById } from "./ui.js";

/**
 * @template T
 * @typedef {import("./http.js").Answer<T>} Answer
 */
/** @typedef {import("./api").components["schemas"]["Me"]} Me */

const SECTIONS = {
  dasbor: dashboard,
  pelanggan: manual,
  impor: importing,
  pengingat: reminders,
  pesan: messages,
  balasan: replies,
  register,
  laporan: report,
};

const nav = document.getElementById("nav");
const signIn = document.getElementById("masuk");
const signInForm = formById("masuk-form");
const reason = document.getElementById("masuk-reason");
const session = document.getElementById("session");

function hideAll() {
  for (const id of ["masuk", ...Object.keys(SECTIONS)]) document.getElementById(id).hidden = true;
}

/** Shows the sign-in, with why it is back (an expired or refused token), if it is. */
function showSignIn(why = "") {
  clearToken();
  hideAll();
  nav.hidden = true;
  session.hidden = true;
  reason.textContent = why;
  signIn.hidden = false;
  signInForm.elements.token.focus();
}

/** Opens a section and loads its data. */
function open(name) {
  hideAll();
  clearNotice();
  const target = document.getElementById(name);
  target.hidden = false;
  for (const control of nav.querySelectorAll("button")) {
    if (control.dataset.section === name) control.setAttribute("aria-current", "page");
    else control.removeAttribute("aria-current");
  }
  sessionStorage.setItem("bengkel.section", name);
  SECTIONS[name].show();
}

/** The levels as staff read them. */
const LEVELS = { read: "baca", staff: "staf", admin: "admin" };

/** Who is signed in, with what access, and until when. */
function showSession(me) {
  const exp = claims(token() || "")?.exp;
  const who = `Masuk sebagai ${me.sub} · akses ${LEVELS[me.level] || me.level}`;
  document.getElementById("session-text").textContent = exp
    ? `${who} · berlaku sampai ${dateTime(new Date(exp * 1000).toISOString())}`
    : who;
  session.hidden = false;
}

/**
 * Asks who the token names and what it may do (`GET /me`); a refusal comes back through
 * `whenRefused`. The level on the body hides every control above it (`data-needs`, style.css).
 */
async function enter() {
  let me;
  try {
    ({ body: me } = /** @type {Answer<Me>} */ (await get("me")));
  } catch (error) {
    if (error.status !== 401) showSignIn(error.message);
    return;
  }
  document.body.dataset.level = me.level;
  nav.hidden = false;
  showSession(me);
  const last = sessionStorage.getItem("bengkel.section");
  open(last in SECTIONS ? last : "dasbor");
  document.getElementById("main").focus();
}

/** A token passed in the address (`#token=…`): taken, then removed from the address bar. */
function tokenFromAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const value = fragment.get("token");
  if (value) {
    history.replaceState(null, "", location.pathname + location.search);
    return value.trim();
  }
  return null;
}

whenRefused((detail) => showSignIn(
  `Sesi berakhir: ${detail.replace(/\.?$/, ".")} Buka lagi tautan dari aplikasi utama, atau tempel token yang baru.`));

signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors(signInForm);
  const value = signInForm.elements.token.value.trim().replace(/^Bearer\s+/i, "");
  if (!value) {
    signInForm.querySelector('[data-error-for="token"]').textContent = "Tempel token akses terlebih dahulu.";
    return;
  }
  setToken(value);
  signInForm.reset();
  reason.textContent = "";
  enter();
});

nav.addEventListener("click", (event) => {
  const control = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest("button[data-section]"));
  if (control) open(control.dataset.section);
});

document.getElementById("sign-out").addEventListener("click", () => showSignIn("Anda sudah keluar."));

// A link followed while the page is open changes only the fragment: no reload.
window.addEventListener("hashchange", () => {
  const passed = tokenFromAddress();
  if (passed) {
    setToken(passed);
    enter();
  }
});

previewPhones(document);

const passed = tokenFromAddress();
if (passed) setToken(passed);
if (token()) enter();
else showSignIn();
