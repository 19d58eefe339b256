// Realtime (SSE) through the SDK: subscribe to a collection and to one record, rule-filtered
// fan-out to anonymous clients, subscription options (filter, expand), unsubscribe.
import { EventSource } from "eventsource";
import { SUFFIX, anonymousClient, check, eq, keysOf, run, step, superuserClient } from "./lib.mjs";

globalThis.EventSource = EventSource; // node 20 has no EventSource; the SDK expects the global

/** Waits until `events` holds `n` entries (the server pushes them; 10 s is only a safety net). */
async function waitFor(events, n, what) {
  const deadline = Date.now() + 10000;
  while (events.length < n) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: expected ${n} events, got ${events.length}: ${JSON.stringify(events)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const brief = (e) => `${e.action}:${e.record.title}`;

await run(async () => {
  const pb = await superuserClient();
  const name = `sdk_rt_${SUFFIX}`;
  const ownersName = `sdk_rt_owners_${SUFFIX}`;

  step("set up a collection whose rules hide private records");
  const owners = await pb.collections.create({ name: ownersName, listRule: "", viewRule: "", fields: [{ name: "label", type: "text" }] });
  await pb.collections.create({
    name, listRule: "public = true", viewRule: "public = true",
    fields: [
      { name: "title", type: "text" },
      { name: "public", type: "bool" },
      { name: "owner", type: "relation", collectionId: owners.id, maxSelect: 1 },
    ],
  });
  const owner = await pb.collection(ownersName).create({ label: "the owner" });

  step("subscribe: superuser and anonymous to '*', anonymous with a filter and expand");
  const adminEvents = [];
  const anonEvents = [];
  const filteredEvents = [];
  const anon = anonymousClient();
  const anon2 = anonymousClient();
  const unsubAdmin = await pb.collection(name).subscribe("*", (e) => adminEvents.push(e));
  const unsubAnon = await anon.collection(name).subscribe("*", (e) => anonEvents.push(e));
  await anon2.collection(name).subscribe("*", (e) => filteredEvents.push(e), { filter: 'title ~ "keep"', expand: "owner" });
  eq(pb.realtime.isConnected, true, "superuser realtime connected");
  eq(anon.realtime.isConnected, true, "anonymous realtime connected");

  step("create: a private then a public record");
  const priv = await pb.collection(name).create({ title: "private keep", public: false });
  const pub = await pb.collection(name).create({ title: "public keep", public: true, owner: owner.id });
  await waitFor(adminEvents, 2, "superuser create events");
  eq(adminEvents.map(brief), ["create:private keep", "create:public keep"], "superuser sees both creates in order");
  await waitFor(anonEvents, 1, "anonymous create events");
  eq(anonEvents.map(brief), ["create:public keep"], "anonymous sees only the public create");
  const rest = await pb.collection(name).getOne(pub.id);
  eq(keysOf(adminEvents[1].record), keysOf(rest), "event record has the REST record's keys");
  eq(adminEvents[1].record.id, pub.id, "event record id");
  await waitFor(filteredEvents, 1, "filtered events");
  eq(filteredEvents.map(brief), ["create:public keep"], "filtered subscription");
  eq(filteredEvents[0].record.expand?.owner?.label, "the owner", "subscription expand");

  step("subscribe to a single record");
  const oneEvents = [];
  await anon.collection(name).subscribe(pub.id, (e) => oneEvents.push(e));

  step("update and delete");
  await pb.collection(name).update(priv.id, { title: "private 2" });
  await pb.collection(name).update(pub.id, { title: "public 2" });
  await pb.collection(name).delete(pub.id);
  await waitFor(adminEvents, 5, "superuser update/delete events");
  eq(adminEvents.slice(2).map(brief), ["update:private 2", "update:public 2", "delete:public 2"], "superuser update/delete");
  await waitFor(anonEvents, 3, "anonymous update/delete events");
  eq(anonEvents.slice(1).map(brief), ["update:public 2", "delete:public 2"], "anonymous update/delete");
  await waitFor(oneEvents, 2, "single-record events");
  eq(oneEvents.map(brief), ["update:public 2", "delete:public 2"], "single-record subscription");
  check(filteredEvents.length === 1, `"public 2" no longer matches the filter, got ${JSON.stringify(filteredEvents.map(brief))}`);

  step("unsubscribe stops the events");
  await unsubAnon();
  await unsubAdmin();
  eq(anon.realtime.isConnected, true, "a remaining subscription keeps the connection");
  await pb.collection(name).create({ title: "after", public: true });
  await pb.collection(name).create({ title: "after keep", public: true });
  await waitFor(filteredEvents, 2, "marker event on the remaining subscription");
  eq(filteredEvents.map(brief), ["create:public keep", "create:after keep"], "remaining filtered subscription");
  eq(anonEvents.length, 3, "no events after unsubscribe (anonymous)");
  eq(adminEvents.length, 5, "no events after unsubscribe (superuser)");

  step("clean up");
  await anon.realtime.unsubscribe();
  await anon2.realtime.unsubscribe();
  await pb.realtime.unsubscribe();
  await pb.collections.delete(name);
  await pb.collections.delete(ownersName);
});
process.exit(0); // close lingering SSE sockets
