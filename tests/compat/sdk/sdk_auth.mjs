// Superuser auth: authWithPassword, authRefresh, auth store state, wrong password, health.
import {
  PocketBase, ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, check, eq, keysOf, rejects, run, step,
} from "./lib.mjs";

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function checkSuperuserRecord(record, what) {
  eq(keysOf(record), ["collectionId", "collectionName", "created", "email", "emailVisibility", "id", "updated", "verified"], `${what} keys`);
  eq(record.collectionName, "_superusers", `${what} collectionName`);
  eq(record.email, ADMIN_EMAIL, `${what} email`);
  check(/^[a-z0-9]{15}$/.test(record.id), `${what} id should be 15 chars of [a-z0-9], got ${record.id}`);
  check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/.test(record.created), `${what} created format: ${record.created}`);
}

await run(async () => {
  const pb = new PocketBase(BASE_URL);

  step("health.check");
  const health = await pb.health.check();
  eq(health.code, 200, "health code");
  eq(health.message, "API is healthy.", "health message");

  step("fresh auth store is not valid");
  eq(pb.authStore.isValid, false, "isValid before auth");
  eq(pb.authStore.isSuperuser, false, "isSuperuser before auth");

  step("authWithPassword");
  const auth = await pb.collection("_superusers").authWithPassword(ADMIN_EMAIL, ADMIN_PASSWORD);
  eq(keysOf(auth), ["record", "token"], "auth response keys");
  check(JWT.test(auth.token), `token should be a JWT, got ${auth.token}`);
  checkSuperuserRecord(auth.record, "auth record");
  eq(pb.authStore.token, auth.token, "authStore.token");
  eq(pb.authStore.isValid, true, "isValid after auth");
  eq(pb.authStore.isSuperuser, true, "isSuperuser after auth");
  eq(pb.authStore.record.id, auth.record.id, "authStore.record.id");

  const claims = JSON.parse(Buffer.from(auth.token.split(".")[1], "base64url").toString());
  eq(claims.type, "auth", "token type claim");
  eq(claims.id, auth.record.id, "token id claim");
  eq(claims.collectionId, auth.record.collectionId, "token collectionId claim");
  eq(claims.refreshable, true, "token refreshable claim");
  check(claims.exp > Date.now() / 1000, "token exp in the future");

  step("authRefresh");
  await new Promise((r) => setTimeout(r, 1100)); // a new second so the new token's exp differs
  const refreshed = await pb.collection("_superusers").authRefresh();
  eq(keysOf(refreshed), ["record", "token"], "refresh response keys");
  checkSuperuserRecord(refreshed.record, "refreshed record");
  eq(refreshed.record.id, auth.record.id, "refreshed record id");
  check(refreshed.token !== auth.token, "authRefresh should issue a new token");
  eq(pb.authStore.token, refreshed.token, "authStore.token after refresh");
  eq(pb.authStore.isSuperuser, true, "isSuperuser after refresh");

  step("authenticated superuser can list collections");
  const collections = await pb.collections.getFullList();
  check(collections.some((c) => c.name === "_superusers"), "collections list should include _superusers");
  check(collections.some((c) => c.name === "users"), "a new install has the default users collection");

  step("wrong password is a 400 with no details");
  const anon = new PocketBase(BASE_URL);
  const err = await rejects(anon.collection("_superusers").authWithPassword(ADMIN_EMAIL, "wrong-password"), 400, "wrong password");
  eq(err.response.message, "Failed to authenticate.", "wrong password message");
  eq(err.response.data, {}, "wrong password data");
  eq(anon.authStore.isValid, false, "isValid after failed auth");

  step("missing identity is a validation error");
  const err2 = await rejects(anon.collection("_superusers").authWithPassword("", ADMIN_PASSWORD), 400, "empty identity");
  eq(err2.response.data.identity?.code, "validation_required", "empty identity code");

  step("authRefresh without a token is 401");
  const err3 = await rejects(anon.collection("_superusers").authRefresh(), 401, "refresh anonymously");
  eq(err3.response.message, "The request requires valid record authorization token.", "401 message");

  step("a garbage token is treated as anonymous: listing collections is 401");
  const bogus = new PocketBase(BASE_URL);
  bogus.authStore.save("not-a-token", null);
  const err4 = await rejects(bogus.collections.getList(1, 1), 401, "collections with bogus token");
  eq(err4.response.status, 401, "error body status");

  step("authStore.clear");
  pb.authStore.clear();
  eq(pb.authStore.isValid, false, "isValid after clear");
  eq(pb.authStore.token, "", "token after clear");
});
