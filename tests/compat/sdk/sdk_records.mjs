// Records through the SDK: CRUD, list options, expand and back-relation expand, modifiers, errors,
// and an auth collection's user acting under rules.
import {
  SUFFIX, anonymousClient, check, eq, keysOf, rejects, run, sameSet, step, superuserClient, PocketBase, BASE_URL,
} from "./lib.mjs";

await run(async () => {
  const pb = await superuserClient();
  const usersName = `sdk_users_${SUFFIX}`;
  const tagsName = `sdk_tags_${SUFFIX}`;
  const postsName = `sdk_posts_${SUFFIX}`;
  const commentsName = `sdk_comments_${SUFFIX}`;

  step("set up collections");
  const users = await pb.collections.create({
    name: usersName, type: "auth",
    listRule: "id = @request.auth.id", viewRule: "id = @request.auth.id",
    createRule: "", updateRule: "id = @request.auth.id", deleteRule: null,
    fields: [{ name: "name", type: "text" }],
  });
  const tags = await pb.collections.create({
    name: tagsName, listRule: "", viewRule: "",
    fields: [{ name: "label", type: "text", required: true }],
  });
  const posts = await pb.collections.create({
    name: postsName,
    listRule: "public = true || author = @request.auth.id",
    viewRule: "public = true || author = @request.auth.id",
    createRule: "@request.auth.id != '' && author = @request.auth.id",
    updateRule: "author = @request.auth.id",
    deleteRule: "author = @request.auth.id",
    fields: [
      { name: "title", type: "text", required: true, max: 20 },
      { name: "views", type: "number" },
      { name: "public", type: "bool" },
      { name: "tags", type: "relation", collectionId: tags.id, maxSelect: 5 },
      { name: "author", type: "relation", collectionId: users.id, maxSelect: 1 },
      { name: "body", type: "editor" },
      { name: "labels", type: "select", values: ["x", "y", "z"], maxSelect: 3 },
    ],
  });
  await pb.collections.create({
    name: commentsName, listRule: "", viewRule: "",
    fields: [
      { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
      { name: "text", type: "text" },
    ],
  });

  step("create records");
  const t = [];
  for (const label of ["red", "green", "blue"]) t.push(await pb.collection(tagsName).create({ label }));
  const alice = await pb.collection(usersName).create({
    email: `alice_${SUFFIX}@example.com`, password: "alicepass123", passwordConfirm: "alicepass123", name: "Alice",
  });
  eq(keysOf(alice), ["collectionId", "collectionName", "email", "emailVisibility", "id", "name", "verified"], "new auth record keys (email shown to superuser)");
  eq(alice.verified, false, "verified default");
  const bob = await pb.collection(usersName).create({
    email: `bob_${SUFFIX}@example.com`, password: "bobpass12345", passwordConfirm: "bobpass12345", name: "Bob",
  });
  const fixedId = `p${SUFFIX}00000000`.slice(0, 15);
  const p1 = await pb.collection(postsName).create({
    id: fixedId, title: "first", views: 10, public: true, tags: [t[0].id, t[1].id], author: alice.id, body: "<p>Hello <b>world</b></p>", labels: ["x"],
  });
  eq(p1.id, fixedId, "client-given id");
  eq(keysOf(p1), ["author", "body", "collectionId", "collectionName", "id", "labels", "public", "tags", "title", "views"], "record keys");
  eq(p1.collectionName, postsName, "collectionName");
  eq(p1.collectionId, posts.id, "collectionId");
  eq(p1.tags, [t[0].id, t[1].id], "multi relation value");
  const p2 = await pb.collection(postsName).create({ title: "second", views: 5, public: false, tags: [t[2].id], author: alice.id });
  const p3 = await pb.collection(postsName).create({ title: "third", views: 20, public: true, tags: [], author: bob.id });
  const p4 = await pb.collection(postsName).create({ title: "fourth", public: true });
  eq(p4.views, 0, "number zero value");
  eq(p4.public, true, "bool");
  eq(p4.tags, [], "empty multi relation is []");
  eq(p4.author, "", "empty single relation is ''");
  eq(p4.labels, [], "empty multi select is []");
  eq(p4.body, "", "empty editor is ''");
  await pb.collection(commentsName).create({ post: p1.id, text: "nice" });
  await pb.collection(commentsName).create({ post: p1.id, text: "great" });
  await pb.collection(commentsName).create({ post: p3.id, text: "meh" });

  step("getOne / update / delete");
  eq((await pb.collection(postsName).getOne(p2.id)).title, "second", "getOne");
  const up = await pb.collection(postsName).update(p2.id, { title: "second!", views: 6 });
  eq([up.title, up.views], ["second!", 6], "update");

  step("getList with filter and sort");
  const l1 = await pb.collection(postsName).getList(1, 2, { filter: "views >= 5", sort: "-views,title" });
  eq(l1.items.map((r) => r.id), [p3.id, p1.id], "page 1 items");
  eq([l1.page, l1.perPage, l1.totalItems, l1.totalPages], [1, 2, 3, 2], "page 1 meta");
  const l2 = await pb.collection(postsName).getList(2, 2, { filter: "views >= 5", sort: "-views,title" });
  eq(l2.items.map((r) => r.id), [p2.id], "page 2 items");

  step("pb.filter binds parameters safely");
  const tricky = await pb.collection(postsName).create({ title: `it's "q"`, public: true });
  const bound = await pb.collection(postsName).getList(1, 10, { filter: pb.filter("title = {:t} && views >= {:v}", { t: `it's "q"`, v: 0 }) });
  eq(bound.items.map((r) => r.id), [tricky.id], "filter with bound quotes");
  await pb.collection(postsName).delete(tricky.id);

  step("getList with expand");
  const le = await pb.collection(postsName).getList(1, 10, { filter: `author != ""`, sort: "title", expand: "author" });
  eq(le.items.map((r) => r.expand?.author?.name), ["Alice", "Alice", "Bob"], "list expand");

  step("skipTotal");
  const ls = await pb.collection(postsName).getList(1, 2, { sort: "title", skipTotal: true });
  eq([ls.totalItems, ls.totalPages], [-1, -1], "skipTotal totals");
  eq(ls.items.map((r) => r.title), ["first", "fourth"], "skipTotal items");

  step("fields and :excerpt");
  const lf = await pb.collection(postsName).getList(1, 10, { filter: `id = "${p1.id}"`, fields: "id,title,body:excerpt(7,true)" });
  eq(lf.items[0], { body: "Hello w...", id: p1.id, title: "first" }, "fields projection with excerpt");
  const lf2 = await pb.collection(postsName).getOne(p1.id, { fields: "*,expand.author.name", expand: "author" });
  eq(keysOf(lf2.expand.author), ["name"], "fields into expand");

  step("getFullList and getFirstListItem");
  const all = await pb.collection(postsName).getFullList({ sort: "title", batch: 2 });
  eq(all.map((r) => r.title), ["first", "fourth", "second!", "third"], "getFullList in batches of 2");
  const first = await pb.collection(postsName).getFirstListItem(`title = "third"`);
  eq(first.id, p3.id, "getFirstListItem");
  const nf = await rejects(pb.collection(postsName).getFirstListItem(`title = "none"`), 404, "getFirstListItem miss");
  eq(nf.response.message, "The requested resource wasn't found.", "getFirstListItem 404 message");

  step("expand relations, multi relations and back-relations");
  const e1 = await pb.collection(postsName).getOne(p1.id, { expand: "author,tags" });
  eq(e1.expand.author.id, alice.id, "expand single relation");
  eq(e1.expand.tags.map((r) => r.label), ["red", "green"], "expand multi relation keeps order");
  const e2 = await pb.collection(postsName).getOne(p1.id, { expand: `${commentsName}_via_post` });
  sameSet(e2.expand[`${commentsName}_via_post`].map((r) => r.text), ["nice", "great"], "back-relation expand");
  const e3 = await pb.collection(commentsName).getFullList({ filter: `post = "${p1.id}"`, expand: "post.author", sort: "text" });
  eq(e3.map((c) => c.expand.post.expand.author.name), ["Alice", "Alice"], "nested expand");
  const e4 = await pb.collection(postsName).getOne(p4.id, { expand: "author,tags" });
  check(e4.expand === undefined || Object.keys(e4.expand).length === 0, `empty relations expand to nothing, got ${JSON.stringify(e4.expand)}`);
  const e5 = await pb.collection(postsName).getFullList({ filter: `${commentsName}_via_post.text ?= "meh"` });
  eq(e5.map((r) => r.id), [p3.id], "filter through back-relation");

  step("field modifiers");
  const m1 = await pb.collection(postsName).update(p1.id, { "tags+": t[2].id, "views+": 5, "labels+": ["y"] });
  eq(m1.tags, [t[0].id, t[1].id, t[2].id], "tags+ appends");
  eq(m1.views, 15, "views+ adds");
  eq(m1.labels, ["x", "y"], "labels+ appends");
  // One modifier per field and request: PocketBase applies several modifiers of the same field in
  // an undefined order (seen both ways on 0.40.6).
  const m2 = await pb.collection(postsName).update(p1.id, { "tags-": [t[0].id], "views-": 3 });
  eq(m2.tags, [t[1].id, t[2].id], "tags- removes");
  const m3 = await pb.collection(postsName).update(p1.id, { "+tags": t[0].id });
  eq(m3.tags, [t[0].id, t[1].id, t[2].id], "+tags prepends");
  eq(m2.views, 12, "views- subtracts");

  step("validation errors");
  const v1 = await rejects(pb.collection(postsName).create({ title: "", views: "abc" }), 400, "invalid create");
  eq(v1.response.message, "Failed to create record.", "create failure message");
  eq(v1.response.data.title?.code, "validation_required", "required title code");
  const v2 = await rejects(pb.collection(postsName).create({ title: "x".repeat(21) }), 400, "too long");
  eq(v2.response.data.title?.code, "validation_max_text_constraint", "max text code");
  const v3 = await rejects(pb.collection(postsName).create({ title: "ok", labels: ["nope"] }), 400, "bad select");
  eq(v3.response.data.labels?.code, "validation_invalid_value", "select invalid value code");
  const v4 = await rejects(pb.collection(postsName).create({ title: "ok", tags: ["missingmissing1"] }), 400, "bad relation");
  eq(v4.response.data.tags?.code, "validation_missing_rel_records", "missing relation code");
  const v5 = await rejects(pb.collection(postsName).update(p2.id, { title: "" }), 400, "invalid update");
  eq(v5.response.message, "Failed to update record.", "update failure message");
  const v6 = await rejects(pb.collection(postsName).create({ id: fixedId, title: "dup" }), 400, "duplicate id");
  eq(v6.response.data.id?.code, "validation_not_unique", "duplicate id code");

  step("404s");
  const n1 = await rejects(pb.collection(postsName).getOne("doesnotexist123"), 404, "missing record");
  eq(n1.response, { data: {}, message: "The requested resource wasn't found.", status: 404 }, "404 body");
  const n2 = await rejects(pb.collection(`nope_${SUFFIX}`).getList(1, 1), 404, "missing collection");
  eq(n2.response.message, "Missing collection context.", "missing collection message");
  await rejects(pb.collection(postsName).update("doesnotexist123", { title: "x" }), 404, "update missing");
  await rejects(pb.collection(postsName).delete("doesnotexist123"), 404, "delete missing");

  step("invalid filter and sort are 400");
  const f1 = await rejects(pb.collection(postsName).getList(1, 10, { filter: "title ~~ 'x'" }), 400, "bad filter");
  eq(f1.response.message, "Something went wrong while processing your request.", "bad filter message");
  await rejects(pb.collection(postsName).getList(1, 10, { filter: "nosuchfield = 1" }), 400, "unknown field in filter");

  step("a regular user under rules");
  const ua = new PocketBase(BASE_URL);
  ua.autoCancellation(false);
  const auth = await ua.collection(usersName).authWithPassword(`alice_${SUFFIX}@example.com`, "alicepass123");
  eq(auth.record.id, alice.id, "user auth record");
  eq(ua.authStore.isSuperuser, false, "user is not a superuser");
  eq(keysOf(auth.record), ["collectionId", "collectionName", "email", "emailVisibility", "id", "name", "verified"], "user record keys (own email shown)");
  check(!("password" in auth.record) && !("tokenKey" in auth.record), "hidden fields never returned");
  const visible = await ua.collection(postsName).getFullList({ sort: "title" });
  eq(visible.map((r) => r.id), [p1.id, p4.id, p2.id, p3.id], "alice sees public and own posts");
  const anonVisible = await anonymousClient().collection(postsName).getFullList({ sort: "title" });
  eq(anonVisible.map((r) => r.id), [p1.id, p4.id, p3.id], "anonymous sees public posts only");
  await rejects(anonymousClient().collection(postsName).getOne(p2.id), 404, "hidden record view is 404 for anonymous");
  const ownUpdate = await ua.collection(postsName).update(p2.id, { title: "mine" });
  eq(ownUpdate.title, "mine", "owner may update");
  await rejects(ua.collection(postsName).update(p3.id, { title: "theirs" }), 404, "update of another's record is 404");
  const c1 = await rejects(anonymousClient().collection(postsName).create({ title: "anon" }), 400, "create rule failure (anonymous)");
  eq(c1.response.message, "Failed to create record.", "create rule failure message");
  const created = await ua.collection(postsName).create({ title: "by alice", author: alice.id });
  eq(created.author, alice.id, "create under rule");
  await rejects(ua.collection(postsName).create({ title: "as bob", author: bob.id }), 400, "create rule rejects other author");
  const d1 = await rejects(ua.collection(usersName).delete(alice.id), 403, "null deleteRule");
  eq(d1.response.message, "Only superusers can perform this action.", "null rule message");
  const mine = await ua.collection(usersName).getFullList();
  eq(mine.map((r) => r.id), [alice.id], "auth list rule limits to self");
  eq(mine[0].email, `alice_${SUFFIX}@example.com`, "own email visible to self");
  const anonUsers = await anonymousClient().collection(usersName).getList(1, 10);
  eq([anonUsers.totalItems, anonUsers.items.length], [0, 0], "anonymous list under an auth-only rule is empty, not an error");

  step("delete and cascade");
  eq(await pb.collection(postsName).delete(p1.id), true, "delete result");
  await rejects(pb.collection(postsName).getOne(p1.id), 404, "deleted record");
  const left = await pb.collection(commentsName).getFullList({ sort: "text" });
  eq(left.map((c) => c.text), ["meh"], "cascadeDelete removed the post's comments");

  step("clean up");
  for (const n of [commentsName, postsName, tagsName, usersName]) await pb.collections.delete(n);
});
