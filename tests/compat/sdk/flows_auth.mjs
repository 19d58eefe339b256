// Every sign-in flow of an auth collection, through the SDK as an app would use it: registration,
// verification, authWithPassword, authRefresh, listAuthMethods, OTP, password reset, OAuth2 code,
// the new-device alert mail and impersonation. Mails arrive at the test's SMTP server, which spools them as JSON files in
// MAIL_SPOOL; tokens and codes are read from them. OIDC_* name the test's OpenID Connect provider.
// Run by test_sdk_auth_flows.py (not by test_sdk.py: it needs those services).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  anonymousClient, check, eq, keysOf, rejects, run, step, superuserClient, SUFFIX,
} from "./lib.mjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const SPOOL = env("MAIL_SPOOL");
const ISSUER = env("OIDC_ISSUER");
const REDIRECT = "http://127.0.0.1:1/oauth2-redirect";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const claimsOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

const seen = new Set();

/** The next unread mail to `address` (PocketBase sends after answering: poll up to 10 s). */
async function nextMail(address) {
  for (let i = 0; i < 200; i++) {
    for (const name of readdirSync(SPOOL).filter((n) => n.endsWith(".json")).sort()) {
      if (seen.has(name)) continue;
      const mail = JSON.parse(readFileSync(join(SPOOL, name), "utf8"));
      if (mail.to.includes(address)) {
        seen.add(name);
        return mail;
      }
    }
    await sleep(50);
  }
  throw new Error(`no mail for ${address} within 10 s`);
}

function linkToken(mail, action) {
  const found = new RegExp(`/${action}/([\\w.-]+)`).exec(mail.html);
  check(found, `no ${action} link in mail: ${mail.html}`);
  return found[1];
}

await run(async () => {
  const su = await superuserClient();
  const name = `members_${SUFFIX}`;
  const email = `member_${SUFFIX}@example.com`;

  step("superuser points SMTP at the test server");
  await su.settings.update({
    smtp: { enabled: true, host: env("SMTP_HOST"), port: Number(env("SMTP_PORT")), tls: false },
    meta: { appURL: "http://app.test", senderName: "Acme", senderAddress: "support@acme.test" },
  });

  step("auth collection with password, OTP and OAuth2 sign-in");
  await su.collections.create({
    name,
    type: "auth",
    fields: [{ name: "name", type: "text" }],
    createRule: "",
    viewRule: "id = @request.auth.id",
    updateRule: "id = @request.auth.id",
    otp: { enabled: true },
    oauth2: {
      enabled: true,
      mappedFields: { name: "name" },
      providers: [{
        name: "oidc",
        clientId: env("OIDC_CLIENT_ID"),
        clientSecret: env("OIDC_CLIENT_SECRET"),
        authURL: `${ISSUER}/authorize`,
        tokenURL: `${ISSUER}/token`,
        userInfoURL: `${ISSUER}/userinfo`,
      }],
    },
  });

  step("listAuthMethods");
  const anon = anonymousClient();
  const methods = await anon.collection(name).listAuthMethods();
  eq(methods.password, { enabled: true, identityFields: ["email"] }, "password method");
  eq(methods.otp, { duration: 180, enabled: true }, "otp method");
  eq(methods.mfa, { duration: 0, enabled: false }, "mfa method");
  eq(methods.oauth2.enabled, true, "oauth2 enabled");
  eq(methods.oauth2.providers.length, 1, "one provider");
  const provider = methods.oauth2.providers[0];
  eq(keysOf(provider), ["authURL", "authUrl", "codeChallenge", "codeChallengeMethod", "codeVerifier", "displayName", "logo", "name", "state"], "provider keys");
  eq([provider.name, provider.displayName, provider.codeChallengeMethod], ["oidc", "OIDC", "S256"], "provider names");
  check(provider.authURL.startsWith(`${ISSUER}/authorize?`), `authURL: ${provider.authURL}`);
  check(provider.authURL.endsWith("redirect_uri="), `authURL leaves redirect_uri for the client: ${provider.authURL}`);

  step("registration: create a user anonymously");
  const user = await anon.collection(name).create({
    email, password: "first-pass-123", passwordConfirm: "first-pass-123", name: "Member",
  });
  eq(keysOf(user), ["collectionId", "collectionName", "emailVisibility", "id", "name", "verified"], "created user keys (a new auth collection has no autodate fields)");
  eq(user.verified, false, "a new user is not verified");

  step("requestVerification: the mail's link carries the token");
  eq(await anon.collection(name).requestVerification(email), true, "requestVerification");
  const verifyToken = linkToken(await nextMail(email), "confirm-verification");
  eq(claimsOf(verifyToken).type, "verification", "verification token type");
  eq(await anon.collection(name).confirmVerification(verifyToken), true, "confirmVerification");
  eq((await su.collection(name).getOne(user.id)).verified, true, "verified after confirmation");
  await rejects(anon.collection(name).confirmVerification("not-a-token"), 400, "confirmVerification with garbage");

  step("authWithPassword");
  const pb = anonymousClient();
  const auth = await pb.collection(name).authWithPassword(email, "first-pass-123");
  eq(keysOf(auth), ["record", "token"], "auth keys");
  eq([auth.record.id, auth.record.email, auth.record.verified], [user.id, email, true], "auth record");
  eq(pb.authStore.record.id, user.id, "authStore record");
  eq(pb.authStore.isSuperuser, false, "not a superuser");
  await rejects(anonymousClient().collection(name).authWithPassword(email, "wrong-pass-123"), 400, "wrong password");

  step("authRefresh");
  await sleep(1100); // a new second, so the new token's exp differs
  const refreshed = await pb.collection(name).authRefresh();
  check(refreshed.token !== auth.token, "authRefresh issues a new token");
  eq(refreshed.record.id, user.id, "refreshed record");
  eq(pb.authStore.token, refreshed.token, "authStore keeps the new token");

  step("requestPasswordReset / confirmPasswordReset");
  eq(await anon.collection(name).requestPasswordReset(email), true, "requestPasswordReset");
  const resetToken = linkToken(await nextMail(email), "confirm-password-reset");
  eq(claimsOf(resetToken).type, "passwordReset", "reset token type");
  const mismatch = await rejects(anon.collection(name).confirmPasswordReset(resetToken, "second-pass-123", "other-pass-123"), 400, "mismatched confirm");
  eq(mismatch.response.data.passwordConfirm?.code, "validation_values_mismatch", "mismatch code");
  eq(await anon.collection(name).confirmPasswordReset(resetToken, "second-pass-123", "second-pass-123"), true, "confirmPasswordReset");
  await rejects(anonymousClient().collection(name).authWithPassword(email, "first-pass-123"), 400, "old password after reset");
  await rejects(pb.collection(name).authRefresh(), 401, "a token from before the reset");
  const again = await anonymousClient().collection(name).authWithPassword(email, "second-pass-123");
  eq(again.record.id, user.id, "new password signs in");

  step("requestOTP / authWithOTP: the code comes by mail");
  const { otpId } = await anon.collection(name).requestOTP(email);
  check(typeof otpId === "string" && otpId.length === 15, `otpId: ${otpId}`);
  const otpMail = await nextMail(email);
  const code = /<strong>\s*(\w+)\s*<\/strong>/.exec(otpMail.html)?.[1];
  check(code && code.length === 8, `an 8-character code in the mail: ${otpMail.html}`);
  await rejects(anonymousClient().collection(name).authWithOTP(otpId, "00000000"), 400, "wrong code");
  const otpClient = anonymousClient();
  const byOtp = await otpClient.collection(name).authWithOTP(otpId, code);
  eq(byOtp.record.id, user.id, "OTP signs in the user");
  eq(otpClient.authStore.isValid, true, "authStore after OTP");
  await rejects(anonymousClient().collection(name).authWithOTP(otpId, code), 400, "an OTP works once");

  step("authWithOAuth2Code against the test OpenID Connect provider");
  const browser = await fetch(provider.authURL + encodeURIComponent(REDIRECT), { redirect: "manual" });
  eq(browser.status, 302, "provider redirects back");
  const back = new URL(browser.headers.get("location"));
  eq(back.origin + back.pathname, REDIRECT, "back to the redirect URL");
  eq(back.searchParams.get("state"), provider.state, "state round-trips");
  const oauthClient = anonymousClient();
  const byOauth = await oauthClient.collection(name).authWithOAuth2Code(
    "oidc", back.searchParams.get("code"), provider.codeVerifier, REDIRECT,
  );
  eq(keysOf(byOauth), ["meta", "record", "token"], "oauth2 answer keys");
  eq(byOauth.meta.isNew, true, "first OAuth2 sign-in creates the user");
  eq([byOauth.meta.email, byOauth.meta.name], [env("OIDC_EMAIL"), env("OIDC_NAME")], "meta user");
  eq([byOauth.record.email, byOauth.record.verified, byOauth.record.name], [env("OIDC_EMAIL"), true, env("OIDC_NAME")], "created record");
  const reused = await anonymousClient().collection(name).authWithOAuth2Code(
    "oidc", back.searchParams.get("code"), provider.codeVerifier, REDIRECT,
  ).catch((err) => err);
  eq(reused.status, 400, "a code is exchanged once");

  step("second OAuth2 sign-in finds the linked user");
  const second = (await anon.collection(name).listAuthMethods()).oauth2.providers[0];
  const back2 = new URL((await fetch(second.authURL + encodeURIComponent(REDIRECT), { redirect: "manual" })).headers.get("location"));
  const byOauth2 = await anonymousClient().collection(name).authWithOAuth2Code(
    "oidc", back2.searchParams.get("code"), second.codeVerifier, REDIRECT,
  );
  eq([byOauth2.meta.isNew, byOauth2.record.id], [false, byOauth.record.id], "same user, not new");
  const links = await su.collection("_externalAuths").getFullList({ filter: `recordRef = "${byOauth.record.id}"` });
  eq(links.map((l) => [l.provider, l.collectionRef]), [["oidc", byOauth.record.collectionId]], "one provider link");

  step("authRule: a new rule signs everyone out; @request.auth is the caller, so a rule asking for one refuses sign-ins with 403");
  const fresh = anonymousClient();
  await fresh.collection(name).authWithPassword(email, "second-pass-123");
  const collection = await su.collections.getOne(name);
  await su.collections.update(collection.id, { authRule: '@request.auth.id != ""' });
  await rejects(fresh.collection(name).authRefresh(), 401, "a token from before the rule change");
  const refusedMsg = "The request doesn't satisfy the collection requirements to authenticate.";
  const byPassword = await rejects(anonymousClient().collection(name).authWithPassword(email, "second-pass-123"), 403, "password under the rule");
  eq(byPassword.response.message, refusedMsg, "password refusal message");
  const third = (await anon.collection(name).listAuthMethods()).oauth2.providers[0];
  const back3 = new URL((await fetch(third.authURL + encodeURIComponent(REDIRECT), { redirect: "manual" })).headers.get("location"));
  const byCode = await rejects(anonymousClient().collection(name).authWithOAuth2Code(
    "oidc", back3.searchParams.get("code"), third.codeVerifier, REDIRECT,
  ), 403, "OAuth2 under the rule");
  eq(byCode.response.message, refusedMsg, "OAuth2 refusal message");
  const viaSuperuser = await su.collection(name).impersonate(user.id, 600);
  eq((await viaSuperuser.collection(name).authRefresh()).record.id, user.id, "a refresh is sent by the record itself: allowed");
  await su.collections.update(collection.id, { authRule: "" });

  step("a sign-in from a new device mails an alert (authAlert is on by default)");
  const device = `flows-test-device-${SUFFIX}`;
  const elsewhere = anonymousClient();
  elsewhere.beforeSend = (url, options) => {
    options.headers = { ...options.headers, "User-Agent": device };
    return { url, options };
  };
  eq((await elsewhere.collection(name).authWithPassword(email, "second-pass-123")).record.id, user.id, "sign-in from elsewhere");
  const alert = await nextMail(email);
  check(alert.html.includes(device), `the alert names the device: ${alert.html}`);

  step("impersonate: a superuser acts as the user with a non-refreshable token");
  const as = await su.collection(name).impersonate(user.id, 3600);
  eq(as.authStore.record.id, user.id, "impersonated record");
  const claims = claimsOf(as.authStore.token);
  eq([claims.id, claims.refreshable, claims.type], [user.id, false, "auth"], "impersonation claims");
  eq((await as.collection(name).getOne(user.id)).email, email, "the impersonated client sees its own record");
  await rejects(anonymousClient().collection(name).impersonate(user.id, 60), 401, "impersonate as a guest");
  await rejects(elsewhere.collection(name).impersonate(user.id, 60), 403, "impersonate as a user");
});
