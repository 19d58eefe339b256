// pb.backups.restore: records changed, deleted and added after a backup are as they were at
// backup time once the server has restored it and restarted (PocketBase re-executes itself;
// Bastion's `serve` restarts its workers in the same process). PocketBase answers 204 before it
// restores, so the scenario waits, bounded, until the server answers again with the backup's data
// and its health says `canBackup` (no backup or restore running: on several nodes, the node that
// restored holds that until it has restarted).
// A PostgreSQL Bastion without pg_dump on its PATH refuses the backup: the rest is skipped then.
import { SUFFIX, check, eq, rejects, run, sameSet, step, superuserClient } from "./lib.mjs";

const RESTART_WAIT_MS = 60_000;

async function healthy(pb) {
  try {
    return (await fetch(pb.buildURL("/api/health"))).status === 200;
  } catch {
    return false; // connection refused while the server restarts
  }
}

/** Polls until the server is healthy and `restored()` is true, at most RESTART_WAIT_MS. */
async function waitForRestore(pb, restored) {
  const deadline = Date.now() + RESTART_WAIT_MS;
  let last = "never healthy";
  while (Date.now() < deadline) {
    if (await healthy(pb)) {
      try {
        if (await restored()) return;
        last = "healthy, not restored yet";
      } catch (err) {
        last = `healthy, reading failed: ${err?.status} ${err?.message}`;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  check(false, `no restored server within ${RESTART_WAIT_MS} ms (${last})`);
}

await run(async () => {
  const pb = await superuserClient();
  const name = `sdk_restore_${SUFFIX}.zip`;
  const collection = `restore_${SUFFIX}`;

  step("a collection and two records");
  await pb.collections.create({
    name: collection,
    type: "base",
    fields: [{ name: "title", type: "text" }],
  });
  const notes = pb.collection(collection);
  const kept = await notes.create({ title: "as backed up" });
  const removed = await notes.create({ title: "deleted after the backup" });

  step("a backup of them");
  try {
    eq(await pb.backups.create(name), true, "create");
  } catch (err) {
    if (err?.status === 400 && String(err.response?.message).includes("pg_dump")) {
      step("PostgreSQL without pg_dump on the PATH (skipped)");
      await pb.collections.delete(collection);
      return;
    }
    throw err;
  }

  step("changed, deleted and added after it");
  await notes.update(kept.id, { title: "changed after the backup" });
  await notes.delete(removed.id);
  const added = await notes.create({ title: "added after the backup" });
  sameSet((await notes.getFullList()).map((r) => r.id), [kept.id, added.id], "before restore");

  step("restore it");
  eq(await pb.backups.restore(name), true, "restore");

  step("the server comes back with the records as they were at backup time");
  await waitForRestore(
    pb,
    async () =>
      (await pb.health.check()).data?.canBackup === true &&
      (await notes.getOne(kept.id)).title === "as backed up",
  );
  eq((await notes.getOne(kept.id)).title, "as backed up", "changed record");
  eq((await notes.getOne(removed.id)).title, "deleted after the backup", "deleted record");
  await rejects(notes.getOne(added.id), 404, "record added after the backup");
  sameSet((await notes.getFullList()).map((r) => r.id), [kept.id, removed.id], "records");

  step("the backup is still listed; writes go on");
  check((await pb.backups.getFullList()).some((b) => b.key === name), "backup listed after restore");
  await notes.update(kept.id, { title: "written after the restore" });
  eq((await notes.getOne(kept.id)).title, "written after the restore", "write after restore");

  step("clean up");
  eq(await pb.backups.delete(name), true, "delete backup");
  await pb.collections.delete(collection);
});
