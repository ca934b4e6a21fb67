// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode RateLimiter}: a token bucket per client network (see
 * `clientNetwork()`), in bounded memory that a flood of addresses cannot
 * turn into a reset.
 *
 * @module
 */

import { clientNetwork } from "./client_network.ts";

/** Options for {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens added per second. */
  readonly rate: number;
  /** The bucket's size: how many may come at once after a quiet spell. */
  readonly burst: number;
  /**
   * Buckets kept at most. Past it, networks without a bucket share one.
   *
   * @default {10000}
   */
  readonly maxBuckets?: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (`performance.now()` time). */
  at: number;
}

/** How many buckets a limiter keeps by default. */
const MAX_BUCKETS = 10_000;

/**
 * A token bucket per client network: `rate` tokens per second, at most
 * `burst` saved up.
 *
 * Memory stays bounded without giving anyone their burst back early. The
 * buckets are kept in the order they were last used; a bucket that has
 * been idle for `burst / rate` seconds is full again, the same as a new
 * one, so forgetting it changes nothing, and those are the only buckets
 * ever forgotten. When `maxBuckets` networks have all been active within
 * that time, every further network shares one bucket: newcomers are
 * throttled together until buckets come free, and nobody already counted
 * starts over (clearing the table would hand every throttled network a
 * fresh burst).
 *
 * @example Usage
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * import assert from "node:assert/strict";
 *
 * const limiter = new RateLimiter({ rate: 1, burst: 2 });
 * assert.deepEqual([0, 0, 0].map((t) => limiter.take("192.0.2.1", t)), [true, true, false]);
 * assert.equal(limiter.take("192.0.2.1", 1_000), true, "one token a second");
 * // One IPv6 /64 is one network.
 * assert.deepEqual(
 *   ["2001:db8::1", "2001:db8::2", "2001:db8::3"].map((a) => limiter.take(a, 0)),
 *   [true, true, false],
 * );
 * ```
 */
export class RateLimiter {
  #rate: number;
  #burst: number;
  #maxBuckets: number;
  #buckets = new Map<string, Bucket>();
  #shared: Bucket;

  /**
   * Creates a limiter.
   *
   * @param options The rate, the burst and the most buckets to keep.
   */
  constructor(options: RateLimiterOptions) {
    this.#rate = options.rate;
    this.#burst = options.burst;
    this.#maxBuckets = options.maxBuckets ?? MAX_BUCKETS;
    this.#shared = { tokens: this.#burst, at: -Infinity };
  }

  /** Buckets kept now (the shared one not counted). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes a token for a client, if its network has one left.
   *
   * @param address The client's address (`undefined`: one bucket for all unknown clients).
   * @param now The time, `performance.now()` by default.
   * @returns Whether the client may go on.
   */
  take(address: string | undefined, now: number = performance.now()): boolean {
    const key = address === undefined ? "unknown" : clientNetwork(address);
    this.#forgetFull(now);
    let bucket = this.#buckets.get(key);
    if (bucket !== undefined) {
      this.#buckets.delete(key); // re-inserted below: the map stays in order of use
    } else if (this.#buckets.size < this.#maxBuckets) {
      bucket = { tokens: this.#burst, at: now };
    } else {
      return this.#takeFrom(this.#shared, now);
    }
    this.#buckets.set(key, bucket);
    return this.#takeFrom(bucket, now);
  }

  #takeFrom(bucket: Bucket, now: number): boolean {
    const refill = bucket.at === -Infinity ? this.#burst : ((now - bucket.at) / 1000) * this.#rate;
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, refill));
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets the least recently used buckets while they are full again. */
  #forgetFull(now: number): void {
    const idleToFull = (this.#burst / this.#rate) * 1000;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at < idleToFull) break; // in order of use: the rest are younger
      this.#buckets.delete(key);
    }
  }
}
