// Backups through pb.backups: create, list, download with a file token, upload, delete.
// A PostgreSQL Bastion without pg_dump on its PATH answers creating a backup with a 400 naming
// pg_dump (install postgresql-client): the rest is skipped then.
import { SUFFIX, anonymousClient, check, eq, rejects, run, step, superuserClient } from "./lib.mjs";

await run(async () => {
  const pb = await superuserClient();
  const guest = anonymousClient();
  const name = `sdk_${SUFFIX}.zip`;
  const uploaded = `sdk_up_${SUFFIX}.zip`;

  step("guests may not list backups");
  await rejects(guest.backups.getFullList(), 401, "guest getFullList");

  step("a superuser creates a backup");
  try {
    eq(await pb.backups.create(name), true, "create");
  } catch (err) {
    if (err?.status === 400 && String(err.response?.message).includes("pg_dump")) {
      step("PostgreSQL without pg_dump on the PATH (skipped)");
      return;
    }
    throw err;
  }

  step("it is listed with its size and date");
  const listed = (await pb.backups.getFullList()).find((b) => b.key === name);
  check(listed && listed.size > 0, `listed ${JSON.stringify(listed)}`);
  check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/.test(listed.modified), `modified ${listed.modified}`);

  step("names are validated");
  let err = await rejects(pb.backups.create(name), 400, "existing name");
  eq(err.response.data.name.code, "validation_backup_name_exists", "existing name code");
  err = await rejects(pb.backups.create("Bad Name.zip"), 400, "bad name");
  eq(err.response.data.name.code, "validation_match_invalid", "bad name code");

  step("download with a file token");
  const token = await pb.files.getToken();
  const res = await fetch(pb.backups.getDownloadURL(token, name));
  eq(res.status, 200, "download status");
  const bytes = new Uint8Array(await res.arrayBuffer());
  eq(bytes.length, listed.size, "downloaded size");
  eq(Array.from(bytes.slice(0, 4)), [0x50, 0x4b, 0x03, 0x04], "zip magic");
  eq((await fetch(pb.backups.getDownloadURL("nope", name))).status, 403, "bad token");

  step("upload it again under another name");
  eq(await pb.backups.upload({ file: new File([bytes], uploaded) }), true, "upload");
  const keys = (await pb.backups.getFullList()).map((b) => b.key);
  check(keys.includes(uploaded) && keys.includes(name), `keys ${keys}`);

  step("delete both");
  eq(await pb.backups.delete(name), true, "delete");
  eq(await pb.backups.delete(uploaded), true, "delete uploaded");
  const left = (await pb.backups.getFullList()).map((b) => b.key);
  check(!left.includes(name) && !left.includes(uploaded), `left ${left}`);
  await rejects(pb.backups.delete(name), 400, "delete again");
});
