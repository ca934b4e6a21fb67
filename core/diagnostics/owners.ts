// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode OwnerRegistry}: names for the owner indexes stored in slots.
 *
 * @module
 */

/** What an owner is: a server, an outgoing client, or a name of your own. */
export type OwnerKind = "server" | "client" | (string & Record<never, never>);

/** One registered owner. */
export interface Owner {
  /** Its index, as stored in slots. */
  index: number;
  /** Display name, such as `":8080"` or `"https://api.example.com"`. */
  name: string;
  /** What it is. */
  kind: OwnerKind;
}

/** Options for {@linkcode OwnerRegistry}. */
export interface OwnerRegistryOptions {
  /**
   * Most owners registered at once: an integer from 1 to 65,535.
   *
   * @default {1024}
   */
  capacity?: number;
}

/** Longest owner name, in UTF-16 code units. */
const MAX_NAME_LENGTH = 256;
/** Slots store owners as Uint16 with 65,535 meaning "none". */
const MAX_CAPACITY = 65_535;

/**
 * Maps small integer owner indexes, as stored in slab slots, to names and
 * kinds (the servers and clients that own connections).
 *
 * It shrinks: `unregister()` frees an index for
 * reuse. Freed indexes are reused oldest-first, so a handle that outlives
 * its owner by a little is not attributed to the next owner at once; still,
 * free or re-own a server's handles before unregistering it.
 *
 * @example Servers and clients
 * ```ts
 * import { OwnerRegistry } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const owners = new OwnerRegistry();
 * const api = owners.register(":8080", "server");
 * const upstream = owners.register("https://example.com", "client");
 * assert.equal(owners.get(api)?.name, ":8080");
 * owners.unregister(upstream);
 * assert.equal(owners.get(upstream), undefined);
 * assert.deepEqual(owners.names(), [":8080", null]);
 * ```
 */
export class OwnerRegistry {
  #capacity: number;
  #owners: (Owner | undefined)[] = [];
  #free: number[] = [];
  #version = 0;

  /**
   * Creates an empty registry.
   *
   * @param options Optional capacity.
   * @throws {RangeError} If `capacity` is not an integer from 1 to 65,535.
   */
  constructor(options: OwnerRegistryOptions = {}) {
    const capacity = options.capacity ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new RangeError(
        `Cannot create owner registry: capacity must be an integer from 1 to ${MAX_CAPACITY}, received ${
          String(capacity)
        }`,
      );
    }
    this.#capacity = capacity;
  }

  /** Most owners registered at once. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Owners registered now. */
  get size(): number {
    return this.#owners.length - this.#free.length;
  }

  /**
   * Increases whenever an owner is registered or unregistered; snapshots use
   * it to send the owner map only when it changed.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * Registers an owner and returns its index.
   *
   * @param name Display name: 1 to 256 characters.
   * @param kind What it is, such as `"server"` or `"client"`.
   * @returns An index from 0 to `capacity - 1`, to store in slots.
   * @throws {RangeError} If the registry is full, or `name` is empty or too long.
   * @throws {TypeError} If `name` or `kind` is not a string.
   *
   * @example Usage
   * ```ts
   * import { OwnerRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const owners = new OwnerRegistry({ capacity: 1 });
   * assert.equal(owners.register(":9000", "server"), 0);
   * assert.throws(() => owners.register(":9001", "server"), RangeError);
   * ```
   */
  register(name: string, kind: OwnerKind): number {
    if (typeof name !== "string" || typeof kind !== "string") {
      throw new TypeError(
        `Cannot register owner: name and kind must be strings, received ${typeof name} and ${typeof kind}`,
      );
    }
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new RangeError(
        `Cannot register owner ${
          JSON.stringify(name.slice(0, 40))
        }: name must be 1 to ${MAX_NAME_LENGTH} characters, received ${name.length}`,
      );
    }
    let index: number;
    if (this.#free.length > 0) {
      index = this.#free.shift()!;
    } else if (this.#owners.length < this.#capacity) {
      index = this.#owners.length;
      this.#owners.push(undefined);
    } else {
      throw new RangeError(
        `Cannot register owner ${
          JSON.stringify(name)
        }: the registry is full (${this.#capacity} owners); unregister owners that are gone`,
      );
    }
    this.#owners[index] = { index, name, kind };
    this.#version++;
    return index;
  }

  /**
   * Unregisters an owner; its index becomes free for reuse.
   *
   * @param index An index returned by {@linkcode OwnerRegistry.prototype.register}.
   * @throws {RangeError} If no owner is registered at `index`.
   *
   * @example Usage
   * ```ts
   * import { OwnerRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const owners = new OwnerRegistry();
   * const index = owners.register("worker-1", "worker");
   * owners.unregister(index);
   * assert.throws(() => owners.unregister(index), RangeError);
   * ```
   */
  unregister(index: number): void {
    if (this.#owners[index] === undefined || !Number.isInteger(index)) {
      throw new RangeError(
        `Cannot unregister owner ${String(index)}: no owner is registered at that index`,
      );
    }
    this.#owners[index] = undefined;
    this.#free.push(index);
    this.#version++;
  }

  /**
   * Looks an owner up by index.
   *
   * @param index An owner index, as stored in a slot.
   * @returns The owner, or `undefined` when none is registered there.
   *
   * @example Usage
   * ```ts
   * import { OwnerRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const owners = new OwnerRegistry();
   * assert.equal(owners.get(0), undefined);
   * owners.register(":80", "server");
   * assert.equal(owners.get(0)?.kind, "server");
   * ```
   */
  get(index: number): Owner | undefined {
    return Number.isInteger(index) ? this.#owners[index] : undefined;
  }

  /**
   * Returns owner names indexed by owner index, `null` where none is
   * registered: the wire format's `owner_map`.
   *
   * @returns One entry per index from 0 to the highest ever used.
   *
   * @example Usage
   * ```ts
   * import { OwnerRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const owners = new OwnerRegistry();
   * owners.register("a", "server");
   * owners.unregister(owners.register("b", "client"));
   * assert.deepEqual(owners.names(), ["a", null]);
   * ```
   */
  names(): (string | null)[] {
    return this.#owners.map((owner) => owner?.name ?? null);
  }

  /**
   * Returns owner kinds indexed like {@linkcode OwnerRegistry.prototype.names}.
   *
   * @returns One entry per index, `null` where none is registered.
   *
   * @example Usage
   * ```ts
   * import { OwnerRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const owners = new OwnerRegistry();
   * owners.register("a", "server");
   * assert.deepEqual(owners.kinds(), ["server"]);
   * ```
   */
  kinds(): (string | null)[] {
    return this.#owners.map((owner) => owner?.kind ?? null);
  }
}
