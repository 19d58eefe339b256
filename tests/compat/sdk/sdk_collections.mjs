// Collections API through the SDK: create (several field types, rules), list, getOne, update, delete.
import { SUFFIX, check, eq, rejects, run, step, superuserClient, anonymousClient } from "./lib.mjs";

const fieldByName = (c, name) => c.fields.find((f) => f.name === name);

await run(async () => {
  const pb = await superuserClient();
  const name = `sdk_things_${SUFFIX}`;
  const authName = `sdk_members_${SUFFIX}`;

  step("create an auth collection");
  const members = await pb.collections.create({ name: authName, type: "auth", listRule: "", viewRule: "" });
  eq(members.type, "auth", "auth type");
  // exactly these system fields, and no created/updated autodate fields unless asked for
  eq(members.fields.map((f) => `${f.name}:${f.type}`), ["id:text", "password:password", "tokenKey:text", "email:email", "emailVisibility:bool", "verified:bool"], "auth collection default fields");
  eq(members.passwordAuth, { enabled: true, identityFields: ["email"] }, "passwordAuth default");
  eq(members.authToken?.duration, 432000, "auth token duration default (5 days)");
  eq(members.indexes.length, 2, "unique tokenKey and email indexes");
  eq(fieldByName(members, "password").hidden, true, "password hidden");
  eq(fieldByName(members, "tokenKey").hidden, true, "tokenKey hidden");

  step("create a base collection with several field types and rules");
  const created = await pb.collections.create({
    name,
    type: "base",
    listRule: "",
    viewRule: "@request.auth.id != ''",
    createRule: null,
    updateRule: `owner = @request.auth.id`,
    deleteRule: null,
    fields: [
      { name: "title", type: "text", required: true, max: 50 },
      { name: "count", type: "number", min: 0, onlyInt: true },
      { name: "done", type: "bool" },
      { name: "status", type: "select", values: ["draft", "published"], maxSelect: 1 },
      { name: "labels", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
      { name: "meta", type: "json" },
      { name: "due", type: "date" },
      { name: "contact", type: "email" },
      { name: "site", type: "url" },
      { name: "owner", type: "relation", collectionId: members.id, maxSelect: 1 },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [`CREATE INDEX idx_title_${SUFFIX} ON ${name} (title)`],
  });
  eq(created.name, name, "name");
  eq(created.type, "base", "type");
  eq(created.system, false, "system");
  eq(created.listRule, "", "listRule");
  eq(created.viewRule, "@request.auth.id != ''", "viewRule");
  eq(created.createRule, null, "createRule");
  eq(created.updateRule, "owner = @request.auth.id", "updateRule");
  eq(created.fields.map((f) => f.name), ["id", "title", "count", "done", "status", "labels", "meta", "due", "contact", "site", "owner", "created", "updated"], "field order (id first)");
  const id = fieldByName(created, "id");
  eq([id.type, id.primaryKey, id.system, id.min, id.max, id.pattern, id.autogeneratePattern], ["text", true, true, 15, 15, "^[a-z0-9]+$", "[a-z0-9]{15}"], "id field");
  eq(fieldByName(created, "title").max, 50, "title max");
  eq(fieldByName(created, "title").required, true, "title required");
  eq(fieldByName(created, "count").onlyInt, true, "count onlyInt");
  eq(fieldByName(created, "labels").maxSelect, 3, "labels maxSelect");
  eq(fieldByName(created, "owner").collectionId, members.id, "owner collectionId");
  eq(fieldByName(created, "owner").cascadeDelete, false, "owner cascadeDelete default");
  eq(created.indexes.length, 1, "indexes");
  for (const f of created.fields) check(typeof f.id === "string" && f.id.length > 0, `field ${f.name} should get an id`);

  step("a base collection created with no fields gets only the id field");
  const bare = await pb.collections.create({ name: `${name}_bare` });
  eq(bare.type, "base", "type defaults to base");
  eq(bare.fields.map((f) => f.name), ["id"], "default fields of a new base collection");
  eq([bare.listRule, bare.viewRule, bare.createRule, bare.updateRule, bare.deleteRule], [null, null, null, null, null], "rules default to null (superusers only)");
  await pb.collections.delete(bare.id);

  step("duplicate name is a validation error");
  const dup = await rejects(pb.collections.create({ name, type: "base" }), 400, "duplicate");
  eq(dup.response.data.name?.code, "validation_collection_name_exists", "duplicate name code");

  step("invalid rule is a validation error");
  const badRule = await rejects(pb.collections.create({ name: `${name}_x`, listRule: "nope ~~ 1" }), 400, "bad rule");
  eq(badRule.response.data.listRule?.code, "validation_invalid_rule", "invalid rule code");

  step("list with a filter, getOne by name and by id");
  const list = await pb.collections.getList(1, 10, { filter: `name = "${name}"` });
  eq(list.totalItems, 1, "filtered totalItems");
  eq(list.items[0].id, created.id, "filtered item");
  eq((await pb.collections.getOne(name)).id, created.id, "getOne by name");
  eq((await pb.collections.getOne(created.id)).name, name, "getOne by id");
  const full = await pb.collections.getFullList({ filter: `name ~ "${SUFFIX}"`, sort: "-name" });
  eq(full.map((c) => c.name), [name, authName], "getFullList sorted by -name");

  step("anonymous clients cannot read collections");
  await rejects(anonymousClient().collections.getOne(name), 401, "anonymous getOne");

  step("update: add a field, change a rule, rename");
  const renamed = `${name}_v2`;
  const updated = await pb.collections.update(created.id, {
    name: renamed,
    createRule: "",
    fields: [...created.fields, { name: "extra", type: "text" }],
  });
  eq(updated.name, renamed, "renamed");
  eq(updated.createRule, "", "createRule updated");
  check(fieldByName(updated, "extra"), "extra field added");
  eq(updated.id, created.id, "id unchanged");
  await rejects(pb.collections.getOne(name), 404, "old name gone");

  step("removing a field through update");
  const trimmed = await pb.collections.update(renamed, { fields: updated.fields.filter((f) => f.name !== "extra") });
  check(!fieldByName(trimmed, "extra"), "extra field removed");

  step("delete");
  eq(await pb.collections.delete(renamed), true, "delete result");
  const gone = await rejects(pb.collections.getOne(renamed), 404, "deleted collection");
  eq(gone.response.message, "The requested resource wasn't found.", "404 message");
  await pb.collections.delete(authName);
  await rejects(pb.collections.delete(authName), 404, "deleting twice");
});
