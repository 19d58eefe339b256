// Shared helpers for the SDK scenarios: a client for the server under test (base URL from env
// PB_URL) and assertions that stop the scenario on the first mismatch with a readable message.
import PocketBase, { ClientResponseError } from "pocketbase";
import { inspect } from "node:util";

export { PocketBase, ClientResponseError };

export const BASE_URL = process.env.PB_URL ?? "http://127.0.0.1:8090";
export const ADMIN_EMAIL = process.env.PB_ADMIN_EMAIL ?? "admin@example.com";
export const ADMIN_PASSWORD = process.env.PB_ADMIN_PASSWORD ?? "adminpass1234";

// Unique per run, so a scenario can be re-run against the same live server.
export const SUFFIX = Math.random().toString(36).slice(2, 8);

let stepName = "start";

/** Names the current step; printed with any failure so the log says where it stopped. */
export function step(name) {
  stepName = name;
  console.log(`- ${name}`);
}

const show = (v) => inspect(v, { depth: 6, breakLength: 120 });

export function fail(message) {
  throw new Error(`[${stepName}] ${message}`);
}

export function check(cond, message) {
  if (!cond) fail(message);
}

// JSON with object keys sorted, so key order never matters (JSON objects are unordered).
function canonical(value) {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
}

export function eq(actual, expected, what) {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Same members regardless of order (for results whose order the API does not define). */
export function sameSet(actual, expected, what) {
  eq([...actual].sort(), [...expected].sort(), what);
}

export function keysOf(obj) {
  return Object.keys(obj).sort();
}

/** Awaits `promise`, which must reject with a ClientResponseError of `status`; returns the error. */
export async function rejects(promise, status, what) {
  try {
    const value = await promise;
    fail(`${what}: expected HTTP ${status} error, got success ${show(value)}`);
  } catch (err) {
    if (!(err instanceof ClientResponseError)) throw err;
    if (err.status !== status) {
      fail(`${what}: expected HTTP ${status}, got ${err.status} ${show(err.response)}`);
    }
    return err;
  }
}

/** A client authenticated as the superuser. Auto-cancellation is off: scenarios fire requests in parallel. */
export async function superuserClient() {
  const pb = new PocketBase(BASE_URL);
  pb.autoCancellation(false);
  await pb.collection("_superusers").authWithPassword(ADMIN_EMAIL, ADMIN_PASSWORD);
  return pb;
}

export function anonymousClient() {
  const pb = new PocketBase(BASE_URL);
  pb.autoCancellation(false);
  return pb;
}

/** Runs a scenario; exit code 0 on success, 1 with the failing step's message otherwise. */
export async function run(scenario) {
  try {
    await scenario();
    console.log("OK");
  } catch (err) {
    console.error(`FAILED ${err instanceof ClientResponseError ? show(err.toJSON()) : ""}`);
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  }
}
