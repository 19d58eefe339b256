// Python hooks seen through the official SDK, as an app built on it meets them: a hook that
// changes what is saved, one that adds a validation error (the SDK's ClientResponseError carries
// PocketBase's field shape), one that refuses a delete, and a custom route called with the SDK's
// auth. The server runs the hooks of test_sdk_hooks.py (`bastion serve --hooksDir`); named so that
// test_sdk.py's sdk_*.mjs glob skips it (PocketBase has no Python hooks to compare with).
import { anonymousClient, eq, rejects, run, step, superuserClient } from "./lib.mjs";

await run(async () => {
  const su = await superuserClient();
  const guest = anonymousClient();
  const name = "hooked"; // the collection the hooks name (a fresh server per run)

  step("a collection whose records the hooks shape");
  await su.collections.create({
    name,
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: "",
    fields: [{ name: "title", type: "text" }],
  });

  step("a hook changes the record before it is saved");
  const created = await guest.collection(name).create({ title: "  quiet note " });
  eq(created.title, "QUIET NOTE", "the saved title");
  eq((await guest.collection(name).getOne(created.id)).title, "QUIET NOTE", "the stored title");

  step("a hook's validation error reaches the SDK as a field error");
  const refused = await rejects(guest.collection(name).create({ title: "spam" }), 400, "a spam title");
  eq(refused.response.data, { title: { code: "validation_spam", message: "This title is refused." } }, "the field error");
  eq((await guest.collection(name).getList(1, 50)).totalItems, 1, "nothing more was saved");

  step("a hook refuses a delete with its own status and message");
  await guest.collection(name).update(created.id, { title: "locked" });
  const locked = await rejects(guest.collection(name).delete(created.id), 403, "deleting a locked note");
  eq(locked.response.message, "This note is locked.", "the hook's message");
  eq((await guest.collection(name).getOne(created.id)).title, "LOCKED", "the note is still there");

  step("a custom route, with the caller's auth");
  eq(await guest.send("/api/hello/sdk", {}), { message: "Hello sdk", auth: null }, "as a guest");
  const mine = await su.send("/api/hello/sdk", {});
  eq(mine, { message: "Hello sdk", auth: su.authStore.record.id }, "as the superuser");

  step("a hook that fails answers a plain 500, no traceback");
  const broken = await rejects(guest.collection(name).create({ title: "boom" }), 500, "a failing hook");
  eq(broken.response.data, {}, "no details");
  eq(JSON.stringify(broken.response).includes("Traceback"), false, "no traceback in the answer");
});
