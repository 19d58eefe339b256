// Cron jobs through pb.crons: superusers only, the built-in jobs in PocketBase's order, run now.
import { anonymousClient, eq, rejects, run, step, superuserClient } from "./lib.mjs";

const BUILT_IN = [
  { id: "__pbDBOptimize__", expression: "0 0 * * *" },
  { id: "__pbMFACleanup__", expression: "0 * * * *" },
  { id: "__pbOTPCleanup__", expression: "0 * * * *" },
  { id: "__pbLogsCleanup__", expression: "0 */6 * * *" },
];

await run(async () => {
  const pb = await superuserClient();
  const guest = anonymousClient();

  step("guests may neither list nor run crons");
  await rejects(guest.crons.getFullList(), 401, "guest getFullList");
  await rejects(guest.crons.run("__pbDBOptimize__"), 401, "guest run");

  step("a superuser lists the built-in crons");
  const crons = await pb.crons.getFullList();
  eq(crons.filter((c) => c.id.startsWith("__pb")), BUILT_IN, "built-in crons");

  step("run one now");
  eq(await pb.crons.run("__pbDBOptimize__"), true, "run");
  eq(await pb.crons.run("__pbOTPCleanup__"), true, "run");

  step("an unknown cron");
  await rejects(pb.crons.run("nosuch_cron"), 404, "unknown cron");
});
