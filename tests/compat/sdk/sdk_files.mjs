// Files through the SDK: upload (plain object with File values, sent as @jsonPayload multipart),
// append/remove modifiers, files.getURL with thumbs and download, protected files with files.getToken.
import { SUFFIX, anonymousClient, check, eq, rejects, run, step, superuserClient, BASE_URL } from "./lib.mjs";

// A 20x10 red PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABQAAAAKCAIAAAA7N+mxAAAAF0lEQVR4nGM8ISfHQC5gIlvnqOYRoxkAhH4BGBokPGwAAAAASUVORK5CYII=",
  "base64",
);
const NAME = /^[a-z0-9_]+_[a-z0-9]{10}\.[a-z]+$/;

async function fetchBytes(url) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function pngSize(buf) {
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

await run(async () => {
  const pb = await superuserClient();
  const name = `sdk_files_${SUFFIX}`;

  step("set up a collection with file fields");
  await pb.collections.create({
    name, listRule: "", viewRule: "@request.auth.id != ''", createRule: "", updateRule: "", deleteRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "image", type: "file", maxSelect: 1, mimeTypes: ["image/png"], thumbs: ["10x0"] },
      { name: "docs", type: "file", maxSelect: 3 },
      { name: "secret", type: "file", maxSelect: 1, protected: true },
    ],
  });

  step("upload on create");
  const rec = await pb.collection(name).create({
    title: "with files",
    image: new File([PNG], "Red Dot.png", { type: "image/png" }),
    docs: [new File(["hello"], "a.txt"), new File(["world"], "b.txt")],
    secret: new File(["top secret"], "s.txt"),
  });
  eq(rec.title, "with files", "title sent in @jsonPayload");
  check(NAME.test(rec.image) && rec.image.startsWith("red_dot_"), `sanitised image name ${rec.image}`);
  eq(rec.docs.length, 2, "two docs");

  step("files.getURL downloads the original, a thumb, and as attachment");
  const original = await fetchBytes(pb.files.getURL(rec, rec.image));
  eq(original.status, 200, "original status");
  check(original.body.equals(PNG), "original bytes");
  eq(original.headers.get("content-type"), "image/png", "image content type");
  const thumb = await fetchBytes(pb.files.getURL(rec, rec.image, { thumb: "10x0" }));
  eq(pngSize(thumb.body), [10, 5], "thumb 10x0 keeps the aspect ratio");
  const doc = await fetchBytes(pb.files.getURL(rec, rec.docs[0], { download: true }));
  eq(doc.body.toString(), "hello", "doc bytes");
  check(doc.headers.get("content-disposition").startsWith("attachment;"), "download disposition");

  step("a wrong type is refused by content");
  const err = await rejects(
    pb.collection(name).update(rec.id, { image: new File(["not a png"], "fake.png", { type: "image/png" }) }),
    400, "fake png",
  );
  eq(err.response.data.image.code, "validation_invalid_mime_type", "mime error code");

  step("append and remove with modifiers");
  const appended = await pb.collection(name).update(rec.id, { "docs+": new File(["third"], "c.txt") });
  eq(appended.docs.length, 3, "appended");
  eq(appended.docs.slice(0, 2), rec.docs, "existing files kept in order");
  const removed = await pb.collection(name).update(rec.id, { "docs-": [rec.docs[0]] });
  eq(removed.docs, appended.docs.slice(1), "removed by name");
  eq((await fetchBytes(pb.files.getURL(rec, rec.docs[0]))).status, 404, "removed file is gone");

  step("protected file needs a file token");
  const guest = anonymousClient();
  eq((await fetchBytes(guest.files.getURL(rec, rec.secret))).status, 404, "no token");
  const token = await pb.files.getToken();
  const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  eq(claims.type, "file", "file token type");
  const secret = await fetchBytes(pb.files.getURL(rec, rec.secret, { token }));
  eq(secret.status, 200, "with token");
  eq(secret.body.toString(), "top secret", "protected bytes");
  await rejects(guest.files.getToken(), 401, "file token for a guest");

  step("clean up");
  await pb.collection(name).delete(rec.id);
  eq((await fetchBytes(`${BASE_URL}/api/files/${name}/${rec.id}/${rec.image}`)).status, 404, "deleted");
  await pb.collections.delete(name);
});
