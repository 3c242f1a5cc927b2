// @ts-check
// The JSON API, called with the bearer token the person signed in with. Paths are relative to
// the page (`manual-whatsapp/…`), so the page works wherever the API is mounted.

const TOKEN_KEY = "bengkel.token";

/** An answer that is not 2xx: its status and the FastAPI `detail` (text or field list). */
export class ApiError extends Error {
  constructor(status, detail) {
    super(describe(detail, status));
    this.status = status;
    this.detail = detail;
  }

  /** Field name -> message, for validation errors located in the body or the query. */
  fields() {
    const fields = {};
    if (Array.isArray(this.detail)) {
      for (const problem of this.detail) {
        const loc = Array.isArray(problem.loc) ? problem.loc : [];
        // ["body", "no_hp"], ["body", "vehicles", 0, "nopol"], ["query", "days_threshold"]
        const name = [...loc].reverse().find((part) => typeof part === "string" && part !== "body" && part !== "query");
        const message = plain(problem.msg);
        if (name) fields[name] = fields[name] ? `${fields[name]} ${message}` : message;
      }
    }
    return fields;
  }
}

/**
 * The API keeps FastAPI's English wording for the generic validation messages (existing front
 * ends match on it); staff read them in Indonesian. The API's own messages are Indonesian.
 */
const PLAIN = [
  [/^String should have at most (\d+) characters/, (n) => `Terlalu panjang: paling banyak ${n} karakter.`],
  [/^String should have at least 1 character/, () => "Wajib diisi."],
  [/^String should have at least (\d+)/, (n) => `Terlalu pendek: paling sedikit ${n} karakter.`],
  [/^Field required/, () => "Wajib diisi."],
  [/^Input should be a valid date/, () => "Tanggal tidak valid (gunakan format YYYY-MM-DD)."],
  [/^Input should be a whole number from 0 to (\d+)/, (n) => `Isi dengan bilangan bulat 0 sampai ${n}.`],
  [/^Input should be an integer from 1 to (\d+)/, (n) => `Isi dengan bilangan bulat 1 sampai ${n}.`],
  [/^Extra inputs are not permitted/, () => "Isian ini tidak dikenal."],
];

export function plain(message) {
  for (const [pattern, say] of /** @type {[RegExp, (n: string) => string][]} */ (PLAIN)) {
    const match = pattern.exec(message);
    if (match) return say(match[1]);
  }
  return message;
}

/** What a 403 adds to the API's own sentence: what the person can do about it. */
const FORBIDDEN_HINT = "Minta pemilik bengkel memberi token dengan akses yang lebih tinggi bila tindakan ini memang tugas Anda.";

/** A `detail` in plain words. */
export function describe(detail, status) {
  if (status === 403) return `${typeof detail === "string" && detail ? detail.replace(/\.?$/, ".") : "Akses ditolak."} ${FORBIDDEN_HINT}`;
  if (status === 429 && typeof detail === "string") {
    return `${detail.replace(/\.?$/, ".")} Batas ini menjaga nomor WhatsApp bengkel agar tidak diblokir; tidak ada pesan yang terkirim.`;
  }
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length) return detail.map((problem) => plain(problem.msg)).join(" ");
  if (status === 0) return "Server tidak dapat dihubungi. Periksa koneksi lalu coba lagi.";
  return `Permintaan gagal (HTTP ${status}).`;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** When the API refuses the token: the page goes back to the sign-in with this reason. */
/** @type {(reason: string) => void} */
let onRefused = () => {};
export function whenRefused(handler) {
  onRefused = handler;
}

function url(path, query) {
  const target = new URL(path, document.baseURI);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") target.searchParams.set(name, value);
  }
  return target;
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{query?: object, json?: any, body?: BodyInit, contentType?: string}} [options]
 */
async function send(method, path, { query, json, body, contentType } = {}) {
  const headers = { Authorization: `Bearer ${token() || ""}` };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body });
  } catch {
    throw new ApiError(0, null);
  }
  if (response.status === 401) {
    const answer = await response.json().catch(() => ({}));
    clearToken();
    const error = new ApiError(401, answer.detail);
    onRefused(error.message);
    throw error;
  }
  return response;
}

/**
 * An answer whose body has the type `T` of the contract (`api.d.ts`, generated from the
 * OpenAPI document), as a caller casts what `get` and `post` answer.
 * @template T
 * @typedef {{body: T, headers: Headers, status: number}} Answer
 */

/** Calls the API and answers `{body, headers, status}`; a non-2xx answer throws ApiError. */
export async function api(method, path, options) {
  const response = await send(method, path, options);
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  // 502 (gateway) and 409 (opted out) from send-custom-message / send-reminder carry the
  // usual body: the caller reads it.
  const carried = (response.status === 502 || response.status === 409)
    && body && typeof body === "object" && !("detail" in body);
  if (!response.ok && !carried) {
    throw new ApiError(response.status, body && body.detail);
  }
  return { body, headers: response.headers, status: response.status };
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, json, query) => api("POST", path, { json, query });
export const put = (path, json) => api("PUT", path, { json });
export const patch = (path) => api("PATCH", path);
export const del = (path, query) => api("DELETE", path, { query });

/** Downloads an export as the file the API names in Content-Disposition. */
export async function download(path) {
  const response = await send("GET", path);
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw new ApiError(response.status, answer.detail);
  }
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = match ? match[1] : "export";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return link.download;
}

/** The claims of a JWT (not verified: only to show when it expires). */
export function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch {
    return null;
  }
}
