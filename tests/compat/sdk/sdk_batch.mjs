// Batch (transactional) requests: enable in settings, create/update/upsert/delete, rollback on error.
import { SUFFIX, check, eq, rejects, run, step, superuserClient } from "./lib.mjs";

await run(async () => {
  const pb = await superuserClient();
  const name = `sdk_batch_${SUFFIX}`;

  step("batch disabled by default is 403");
  const before = await pb.settings.getAll();
  check(before.batch && typeof before.batch.enabled === "boolean", "settings expose batch.enabled");
  if (!before.batch.enabled) {
    const off = pb.createBatch();
    off.collection("_superusers").delete("doesnotexist123");
    const err = await rejects(off.send(), 403, "batch while disabled");
    eq(err.response.message, "Batch requests are not allowed.", "disabled batch message");
  }

  step("enable batch through settings.update");
  const updated = await pb.settings.update({ batch: { enabled: true, maxRequests: 50, timeout: 3, maxBodySize: 0 } });
  eq(updated.batch.enabled, true, "batch enabled");
  eq(updated.batch.maxRequests, 50, "batch maxRequests");

  step("set up a collection");
  await pb.collections.create({
    name, listRule: "", viewRule: "", createRule: "", updateRule: "", deleteRule: "",
    fields: [{ name: "title", type: "text", required: true }, { name: "n", type: "number" }],
  });
  const existing = await pb.collection(name).create({ title: "existing", n: 1 });
  const doomed = await pb.collection(name).create({ title: "doomed", n: 2 });

  step("a successful batch");
  const b = pb.createBatch();
  b.collection(name).create({ id: `bat${SUFFIX}000000`.slice(0, 15), title: "created in batch", n: 3 });
  b.collection(name).update(existing.id, { "n+": 10 });
  b.collection(name).upsert({ id: `ups${SUFFIX}000000`.slice(0, 15), title: "upserted", n: 4 });
  b.collection(name).upsert({ id: existing.id, title: "existing upserted" });
  b.collection(name).delete(doomed.id);
  const results = await b.send();
  eq(results.map((r) => r.status), [200, 200, 200, 200, 204], "result statuses");
  eq(results[0].body.title, "created in batch", "create result body");
  eq(results[1].body.n, 11, "update result body");
  eq(results[3].body.title, "existing upserted", "upsert of an existing id updates");
  eq(results[4].body, null, "delete result body");
  const titles = (await pb.collection(name).getFullList({ sort: "title" })).map((r) => r.title);
  eq(titles, ["created in batch", "existing upserted", "upserted"], "state after batch");

  step("a failing batch rolls back");
  const bad = pb.createBatch();
  bad.collection(name).create({ title: "should vanish" });
  bad.collection(name).create({ title: "" });
  const err = await rejects(bad.send(), 400, "failing batch");
  eq(err.response.message, "Batch transaction failed.", "batch failure message");
  eq(err.response.data.requests?.["1"]?.code, "batch_request_failed", "failed request index code");
  eq(err.response.data.requests?.["1"]?.response?.data?.title?.code, "validation_required", "inner error");
  const after = (await pb.collection(name).getFullList()).map((r) => r.title);
  check(!after.includes("should vanish"), "the first create of a failed batch is rolled back");

  step("clean up");
  await pb.collections.delete(name);
  await pb.settings.update({ batch: before.batch });
});
