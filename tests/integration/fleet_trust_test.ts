// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="deno.unstable" />
// A fleet is one trust domain: dashboards list and serve only the instances
// protected by their own token (or, without one, only unprotected ones),
// and a protected instance answers only keyframe requests made with its
// token. Several dashboards share one KV database, as on Deno Deploy.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDiagnosticsHandler, generateToken } from "../../dashboard.ts";
import {
  keyframeProof,
  listInstances,
  publishToFleet,
  requestKeyframe,
  trustFingerprint,
} from "../../fleet.ts";
import { decodeKeyframe } from "../../wire.ts";
import { headerKey, requestKey } from "../../core/fleet/kv.ts";
import type { FleetKv } from "../../core/fleet/kv.ts";
import { eventually } from "./_sse_client.ts";
import { until } from "../fixtures/fleet_processes.ts";

function instance(kv: Deno.Kv, name: string, used: number, token?: string) {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name, slotSize: 8, capacity: 64 }));
  for (let i = 0; i < used; i++) slab.alloc();
  return createDiagnosticsHandler(registry, {
    token,
    // Summaries that outlast any stall of a loaded machine: the test is about
    // who is listed, not about expiry.
    fleet: { kv, publish: { name, interval: 50, expireIn: 600_000, pollInterval: 20 } },
  });
}

async function get(
  handler: ReturnType<typeof instance>,
  path: string,
  token?: string,
): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return await handler(new Request(`http://127.0.0.1/debug${path}`, { headers }));
}

Deno.test("a dashboard lists and serves only its own trust domain's instances", async () => {
  const kv = await Deno.openKv(":memory:");
  const token = generateToken();
  const protectedA = instance(kv, "protected-a", 3, token);
  const protectedB = instance(kv, "protected-b", 4, token);
  const other = instance(kv, "other-token", 5, generateToken());
  const open = instance(kv, "open", 6);
  const all = [protectedA, protectedB, other, open];
  try {
    await Promise.all(all.map((handler) => handler.publisher!.ready));
    assert.equal((await listInstances(kv)).length, 4, "all four share the database");

    const names = async (handler: typeof open, withToken?: string) => {
      const response = await get(handler, "/fleet/instances", withToken);
      assert.equal(response.status, 200);
      const { instances } = await response.json();
      assert.ok(instances.every((i: Record<string, unknown>) => !("trust" in i)));
      return instances.map((i: { name: string }) => i.name);
    };
    assert.deepEqual(await names(open), ["open"]);
    assert.deepEqual(await names(protectedA, token), ["protected-a", "protected-b"]);

    // The bypass: an open dashboard serving a protected instance's keyframe.
    const refused = await get(open, `/fleet/keyframe?id=${protectedA.publisher!.id}`);
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error, /one trust domain/);
    const foreign = await get(
      protectedA,
      `/fleet/keyframe?id=${other.publisher!.id}`,
      token,
    );
    assert.equal(foreign.status, 403, "another token is another domain");
    await foreign.body?.cancel();
    const downward = await get(protectedA, `/fleet/keyframe?id=${open.publisher!.id}`, token);
    assert.equal(downward.status, 403, "and so is no token");
    await downward.body?.cancel();

    // Within the domain, through KV, with the token's proof.
    const served = await get(protectedA, `/fleet/keyframe?id=${protectedB.publisher!.id}`, token);
    assert.equal(served.status, 200);
    assert.equal(decodeKeyframe(await served.text()).slabs[0]?.used, 4);

    // The reader refuses to ask across domains, whoever calls it.
    await assert.rejects(
      requestKeyframe(kv, protectedA.publisher!.id, { timeout: 2_000 }),
      /protected by a token, and none was given \(a fleet is one trust domain\)/,
    );
    await assert.rejects(
      requestKeyframe(kv, protectedA.publisher!.id, { timeout: 2_000, token: generateToken() }),
      /protected by another token/,
    );
    await assert.rejects(
      requestKeyframe(kv, open.publisher!.id, { timeout: 2_000, token }),
      /it has no token, and a token was given/,
    );
    const text = await requestKeyframe(kv, protectedA.publisher!.id, { timeout: 30_000, token });
    assert.equal(decodeKeyframe(text!).slabs[0]?.used, 3);
  } finally {
    await Promise.all(all.map((handler) => handler.close()));
    kv.close();
  }
});

Deno.test("a protected instance ignores keyframe requests without its token's proof", async () => {
  const kv = await Deno.openKv(":memory:");
  const token = generateToken();
  const id = "guarded";
  // Count the publisher's reads of its request key, to know it saw a request.
  const seen: string[] = [];
  const watched: FleetKv = {
    get: async (key) => {
      const entry = await kv.get(key);
      if (key[1] === "requests" && entry.value !== null) {
        seen.push((entry.value as { nonce: string }).nonce);
      }
      return entry;
    },
    set: (key, value, options) => kv.set(key, value, options),
    delete: (key) => kv.delete(key),
    list: (selector, options) => kv.list(selector, options),
    watch: (keys) => kv.watch(keys),
    atomic: () => kv.atomic(),
  };
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "secret", slotSize: 8, capacity: 8 })).alloc();
  const ask = async (nonce: string, proof?: string) => {
    await kv.set(requestKey(id), { nonce, time: Date.now(), expireIn: 5_000, proof });
    await eventually(() => seen.includes(nonce), 10_000, `the publisher to read ${nonce}`);
  };
  try {
    const publisher = publishToFleet(registry, watched, { id, token, pollInterval: 10 });
    await publisher.ready;
    const summary = (await kv.get<{ trust: string }>(["slabscope", "instances", id])).value!;
    assert.equal(summary.trust, await trustFingerprint(token));
    assert.ok(!JSON.stringify(summary).includes(token), "the summary does not carry the token");

    await ask("no-proof");
    await ask("wrong-proof", await keyframeProof(generateToken(), id, "wrong-proof"));
    await ask("replayed", await keyframeProof(token, id, "another-nonce"));
    await ask("other-instance", await keyframeProof(token, "other", "other-instance"));
    await publisher.close(); // waits for the checks in flight
    assert.equal((await kv.get(headerKey(id))).value, null, "none of them was answered");

    // The same publisher with a valid proof: answered.
    const again = publishToFleet(registry, watched, { id, token, pollInterval: 10 });
    await again.ready;
    await ask("valid", await keyframeProof(token, id, "valid"));
    const header = await until("the answer", 10_000, async () => {
      const value = (await kv.get<{ nonce: string }>(headerKey(id))).value;
      return value?.nonce === "valid" ? value : undefined;
    });
    assert.equal(header.nonce, "valid");
    await again.close();
  } finally {
    kv.close();
  }
});
