// Request logs through pb.logs: superusers only, the row shape, view, hourly stats, delete all.
import { SUFFIX, anonymousClient, check, eq, keysOf, rejects, run, step, superuserClient } from "./lib.mjs";

const DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/;
const HOUR = /^\d{4}-\d\d-\d\d \d\d:00:00\.000Z$/;

await run(async () => {
  const pb = await superuserClient();
  const guest = anonymousClient();

  step("guests may not read logs");
  await rejects(guest.logs.getList(1, 10), 401, "guest getList");
  await rejects(guest.logs.getStats(), 401, "guest getStats");

  step("two requests to find again: a success and a failure");
  await guest.send(`/api/health?probe=${SUFFIX}`, { method: "GET" });
  await rejects(guest.send(`/api/collections/missing_${SUFFIX}/records`, {}), 404, "missing collection");

  step("they appear in the list (logs are written in batches: poll)");
  const filter = `data.url ~ "${SUFFIX}"`;
  let page;
  for (let i = 0; i < 50; i++) {
    page = await pb.logs.getList(1, 10, { filter, sort: "-@rowid" });
    if (page.items.length >= 2) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  eq(page.totalItems, 2, "logged requests");
  // Found by status, not by position: with several workers or nodes each process writes its own
  // batches, so @rowid follows the order batches were written, not the order of the requests.
  const ok = page.items.find((i) => i.data.status === 200);
  const failed = page.items.find((i) => i.data.status === 404);
  check(ok && failed, "one success and one failure");
  eq(keysOf(ok), ["created", "data", "id", "level", "message"], "log keys");
  check(DATETIME.test(ok.created), `created format: ${ok.created}`);
  eq(ok.level, 0, "success level");
  eq(ok.message, `GET /api/health?probe=${SUFFIX}`, "success message");
  eq(
    keysOf(ok.data),
    ["auth", "execTime", "method", "referer", "remoteIP", "status", "type", "url", "userAgent", "userIP"],
    "success data keys",
  );
  eq([ok.data.type, ok.data.method, ok.data.status, ok.data.auth], ["request", "GET", 200, ""], "success data");
  check(typeof ok.data.execTime === "number", "execTime is a number");
  eq(failed.level, 8, "failure level");
  eq([failed.data.status, failed.data.error], [404, "Missing collection context."], "failure data");
  check("details" in failed.data, "failures carry details");

  step("one log by id");
  eq(await pb.logs.getOne(ok.id), ok, "getOne");
  await rejects(pb.logs.getOne(`nope${SUFFIX}`), 404, "unknown log id");

  step("hourly stats with the same filter");
  const stats = await pb.logs.getStats({ filter });
  eq(stats.reduce((n, s) => n + s.total, 0), 2, "stats total");
  for (const s of stats) {
    eq(keysOf(s), ["date", "total"], "stats keys");
    check(HOUR.test(s.date), `stats date format: ${s.date}`);
  }
  await rejects(pb.logs.getStats({ filter: "nosuch = 1" }), 400, "stats with an unknown field");

  step("delete all logs");
  eq(await pb.logs.truncate(), true, "truncate");
  eq((await pb.logs.getList(1, 10, { filter })).totalItems, 0, "nothing left");
});
