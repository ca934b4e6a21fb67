// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="deno.unstable" />
// Three processes share one KV file, as `deno serve`'s workers or Deploy
// isolates share a database: each is listed, one answers a keyframe
// request, one is killed and leaves the list once its summary expires.
import assert from "node:assert/strict";
import { decodeKeyframe } from "../../core/wire/keyframe.ts";
import { instanceKey } from "../../core/fleet/kv.ts";
import { listInstances, requestKeyframe } from "../../core/fleet/reader.ts";
import type { InstanceSummary } from "../../core/fleet/summary.ts";
import { type Instance, start, stop, until } from "../fixtures/fleet_processes.ts";

Deno.test("three processes on one KV file: listed, asked for a keyframe, one killed and gone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "slabscope_fleet_" });
  const path = `${dir}/fleet.db`;
  const instances: Instance[] = [];
  let kv: Deno.Kv | undefined;
  try {
    kv = await Deno.openKv(path); // creates the file before the children open it
    instances.push(
      start(path, dir, "alpha", 100),
      start(path, dir, "beta", 200),
      start(path, dir, "gamma", 300),
    );
    const [alpha, beta, gamma] = await Promise.all(instances.map((i) => i.ready));
    const db = kv;

    const listed = await until("all three instances", 30_000, async () => {
      const found = await listInstances(db);
      return found.length === 3 ? found : undefined;
    });
    assert.deepEqual(listed.map((i) => [i.id, i.name]), [
      [alpha!.id, "alpha"],
      [beta!.id, "beta"],
      [gamma!.id, "gamma"],
    ]);
    assert.deepEqual(listed.map((i) => i.pid), [alpha!.pid, beta!.pid, gamma!.pid]);
    for (const instance of listed) {
      assert.equal(instance.host, "unknown", "no --allow-sys: no host name");
      assert.equal(instance.expireIn, 1000);
      assert.equal(instance.pools, 1);
    }
    assert.deepEqual(
      listed.map((i) => i.worst?.ratio),
      [100 / 4096, 200 / 4096, 300 / 4096].map(
        (r) => Math.round(r * 10_000) / 10_000,
      ),
    );

    // A keyframe from another process: the request and the answer only meet in the file.
    const text = await requestKeyframe(db, beta!.id, { timeout: 30_000 });
    assert.ok(text !== undefined, "beta answered");
    const snapshot = decodeKeyframe(text);
    assert.equal(snapshot.slabs[0]?.name, "conns");
    assert.equal(snapshot.slabs[0]?.used, beta!.used);

    // SIGKILL: no close(), so the entry stays until it expires, and the list
    // drops it then. (A loaded machine may let the others' summaries lapse
    // for a moment too, so only alpha's absence is waited for.)
    const lastWrite = (await db.get<InstanceSummary>(instanceKey(alpha!.id))).value!.updated;
    instances[0]!.child.kill("SIGKILL");
    await instances[0]!.child.status;
    const { value: left } = await db.get<InstanceSummary>(instanceKey(alpha!.id));
    assert.ok(left !== null && left.updated >= lastWrite, "KV still holds alpha's last summary");
    const expiry = left.updated + left.expireIn;
    await until("alpha to leave the list", 30_000, async () => {
      const found = await listInstances(db);
      return found.some((i) => i.id === alpha!.id) ? undefined : found;
    });
    assert.ok(Date.now() >= expiry, "not before its summary expired");
    // The others keep publishing.
    const before = new Map(
      await Promise.all(
        [beta!, gamma!].map(async (i) =>
          [i.id, (await db.get<InstanceSummary>(instanceKey(i.id))).value!.updated] as const
        ),
      ),
    );
    const still = await until("beta and gamma to publish again", 30_000, async () => {
      const found = await listInstances(db);
      const fresh = found.filter((i) => i.updated > (before.get(i.id) ?? Infinity));
      return fresh.length === 2 ? fresh : undefined;
    });
    assert.deepEqual(still.map((i) => i.name), ["beta", "gamma"]);

    // SIGTERM: close() removes the entries at once.
    for (const instance of instances.slice(1)) {
      assert.equal((await stop(instance)).code, 0, await instance.output);
    }
    assert.deepEqual(await listInstances(db), []);
  } finally {
    for (const instance of instances) await stop(instance);
    await Promise.all(instances.map((i) => i.output));
    kv?.close();
    await Deno.remove(dir, { recursive: true });
  }
});
