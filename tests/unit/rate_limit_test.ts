// Copyright 2026 the slabscope authors. MIT license.
// The connect and page rate limits: token buckets per client network (an
// IPv4 address, an IPv6 /64) in bounded memory, where a flood of new
// addresses can neither reset a throttled client nor grow the table.
import assert from "node:assert/strict";
import { clientNetwork } from "../../core/http/client_network.ts";
import { RateLimiter } from "../../core/http/rate_limit.ts";
import { AccessGuard } from "../../dashboard.ts";

Deno.test("clientNetwork(): IPv4 as is, IPv6 by /64 in every spelling, mapped IPv4 as IPv4", () => {
  const cases: [string, string][] = [
    ["192.0.2.7", "192.0.2.7"],
    ["2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"],
    ["2001:0db8:00aa:00bb:ffff::", "2001:db8:aa:bb::/64"],
    ["[2001:DB8:AA:BB::9]", "2001:db8:aa:bb::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["2001:db8::", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["::ffff:192.0.2.7", "192.0.2.7"],
    ["::ffff:c000:207", "192.0.2.7"],
    ["64:ff9b::192.0.2.7", "64:ff9b:0:0::/64"],
    ["unknown", "unknown"],
    ["/tmp/slabscope.sock", "/tmp/slabscope.sock"],
    ["1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8:9"], // not an address: its own key
    ["1::2::3", "1::2::3"],
  ];
  for (const [address, network] of cases) assert.equal(clientNetwork(address), network, address);
});

Deno.test("a bucket refills at its rate up to its burst", () => {
  const limiter = new RateLimiter({ rate: 2, burst: 4 });
  const take = (n: number, at: number) => Array.from({ length: n }, () => limiter.take("a", at));
  assert.deepEqual(take(5, 0), [true, true, true, true, false]);
  assert.deepEqual(take(2, 500), [true, false], "one token per 500 ms");
  assert.deepEqual(take(5, 60_000), [true, true, true, true, false], "never more than the burst");
});

Deno.test("10,000 other addresses do not give a throttled address its burst back", () => {
  const limiter = new RateLimiter({ rate: 10, burst: 20 });
  for (let i = 0; i < 20; i++) assert.ok(limiter.take("198.51.100.1", 0));
  assert.equal(limiter.take("198.51.100.1", 0), false, "throttled");
  // A flood of fresh addresses, all within the same second.
  for (let i = 0; i < 12_000; i++) {
    limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1);
  }
  assert.ok(limiter.size <= 10_000, `${limiter.size} buckets`);
  // 50 ms later the throttled address has earned half a token: still no.
  assert.equal(limiter.take("198.51.100.1", 50), false, "its bucket survived the flood");
  assert.equal(limiter.take("198.51.100.1", 100), true, "and refills at its rate");
});

Deno.test("past maxBuckets active networks, newcomers share one bucket; idle buckets are forgotten", () => {
  const limiter = new RateLimiter({ rate: 1, burst: 2, maxBuckets: 3 });
  for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
    assert.ok(limiter.take(address, 0));
  }
  assert.equal(limiter.size, 3);
  // Two newcomers share the one overflow bucket of 2.
  assert.deepEqual(
    ["192.0.2.4", "192.0.2.5", "192.0.2.4"].map((address) => limiter.take(address, 0)),
    [true, true, false],
  );
  assert.equal(limiter.size, 3, "no bucket for them while all are active");
  // 2 s idle (burst / rate) is as good as new: those buckets go, newcomers get their own.
  assert.ok(limiter.take("192.0.2.6", 2_000));
  assert.equal(limiter.size, 1);
  assert.deepEqual([0, 1].map(() => limiter.take("192.0.2.6", 2_000)), [true, false]);
});

Deno.test("one IPv6 /64 is one client for the connect rate and the stream cap", () => {
  const guard = new AccessGuard({ connectsPerSecond: 1, maxStreamsPerAddress: 2 });
  // Burst 2: the third address of the same /64 is refused.
  const first = guard.admitStream("2001:db8:1:2::1");
  const second = guard.admitStream("2001:db8:1:2::2");
  assert.ok(!(first instanceof Response) && !(second instanceof Response));
  const third = guard.admitStream("2001:db8:1:2:ffff::3");
  assert.ok(third instanceof Response);
  assert.equal(third.status, 429);
  // Another /64 is another client.
  const other = guard.admitStream("2001:db8:1:3::1");
  assert.ok(!(other instanceof Response));
  other.release();

  const capped = new AccessGuard({ connectsPerSecond: 100, maxStreamsPerAddress: 2 });
  const held = ["::a", "::b"].map((suffix) => capped.admitStream(`2001:db8:9:9${suffix}`));
  const over = capped.admitStream("2001:db8:9:9::c");
  assert.ok(over instanceof Response);
  assert.equal(over.status, 503, "2 streams per /64");
  for (const admitted of held) if (!(admitted instanceof Response)) admitted.release();
  assert.ok(!(capped.admitStream("2001:db8:9:9::c") instanceof Response), "released");
});

Deno.test("the guard's connect limit survives a flood of 10,001 other addresses", () => {
  // One connect per second, bursts of 2: the flood below takes far less
  // than the second it would take to earn a token back.
  const guard = new AccessGuard({ connectsPerSecond: 1, maxStreams: 100_000 });
  const admit = (address: string) => {
    const admitted = guard.admitStream(address);
    if (admitted instanceof Response) return admitted.status;
    admitted.release();
    return 200;
  };
  assert.deepEqual([admit("198.51.100.1"), admit("198.51.100.1")], [200, 200]);
  assert.equal(admit("198.51.100.1"), 429);
  for (let i = 0; i <= 10_000; i++) admit(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(admit("198.51.100.1"), 429, "still throttled after the flood");
});
