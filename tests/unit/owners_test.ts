// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { OwnerRegistry } from "../../mod.ts";

Deno.test("owner registry: register, look up, unregister, reuse oldest-freed first", () => {
  const owners = new OwnerRegistry();
  const a = owners.register(":8080", "server");
  const b = owners.register(":9090", "server");
  const c = owners.register("https://example.com", "client");
  assert.deepEqual([a, b, c], [0, 1, 2]);
  assert.deepEqual(owners.get(c), { index: 2, name: "https://example.com", kind: "client" });
  const version = owners.version;
  owners.unregister(b);
  owners.unregister(a);
  assert.ok(owners.version > version);
  assert.equal(owners.size, 1);
  assert.deepEqual(owners.names(), [null, null, "https://example.com"]);
  assert.equal(owners.register("next", "server"), b, "the oldest freed index comes back first");
  assert.equal(owners.register("after", "server"), a);
  assert.equal(owners.get(99), undefined);
  assert.equal(owners.get(1.5), undefined);
});

Deno.test("owner registry: holds at least 255 owners; a full registry is a clear RangeError", () => {
  const owners = new OwnerRegistry({ capacity: 300 });
  for (let i = 0; i < 300; i++) assert.equal(owners.register(`owner-${i}`, "client"), i);
  assert.throws(
    () => owners.register("one too many", "client"),
    (e: unknown) => e instanceof RangeError && /full \(300 owners\)/.test(e.message),
  );
  owners.unregister(7);
  assert.equal(owners.register("fits again", "client"), 7);
  assert.equal(new OwnerRegistry().capacity, 1024);
});

Deno.test("owner registry: bad input is rejected and changes nothing", () => {
  const owners = new OwnerRegistry();
  assert.throws(() => owners.register("", "server"), RangeError);
  assert.throws(() => owners.register("x".repeat(257), "server"), RangeError);
  assert.throws(() => owners.register(5 as unknown as string, "server"), TypeError);
  assert.throws(() => owners.unregister(0), RangeError);
  assert.throws(() => owners.unregister(-1), RangeError);
  assert.equal(owners.size, 0);
  for (const capacity of [0, 65_536, 1.5]) {
    assert.throws(() => new OwnerRegistry({ capacity }), RangeError);
  }
});
