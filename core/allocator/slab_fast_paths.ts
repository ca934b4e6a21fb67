// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Copies of `SlabAllocator`'s `alloc()` and `free()`, one per WebAssembly
 * instance of a thread. Internal.
 *
 * V8 compiles a call from JavaScript into WebAssembly into a direct call,
 * without the generic conversion wrapper (about 5 ns less per call here),
 * only where the call site has only ever called one WebAssembly function;
 * a site that has seen two stays generic for good. Every allocator instance
 * has a WebAssembly instance of its own, hence functions of its own, so the
 * call site inside one `alloc()` shared by every slab would turn generic as
 * soon as a thread used two slabs. Giving each instance a subclass of its
 * own, whose `alloc()` and `free()` are textually distinct copies, moves the
 * choice to the caller: a call site that sees one slab sees one receiver
 * class, so V8 inlines that class's methods and, in them, a direct call into
 * that slab's core.
 *
 * Rejected alternatives, measured: one set of methods switching over a
 * per-instance site number (V8 compiles every live case into each caller,
 * and then calls one of them through the generic wrapper: 5 ns more per
 * operation); one WebAssembly module per thread calling each core through a
 * table (a cross-instance indirect call, about 2.5 ns per operation); a
 * module compiled per instance with its geometry as immediates (about 4 ns
 * less per pair, but V8 makes direct calls into only one module per
 * optimized function, so code using two slabs would lose twice that).
 *
 * The first {@linkcode FAST_PATH_CLASSES}` - 1` WebAssembly instances of a
 * thread get a class each; later ones share the last.
 *
 * @module
 */

import type { HandleState } from "./handle_state.ts";
import { EMPTY, type SlabCore } from "./slab_core.ts";

/** The methods the copies override. */
export interface FastPaths {
  alloc(owner?: number, state?: HandleState, site?: string): number | null;
  free(handle: number): void;
}

/** What the copies need from `SlabAllocator`. */
export interface SlabInternals {
  /** The instance's core. */
  core(slab: FastPaths): SlabCore;
  /**
   * Everything `alloc()` does beyond its fast path; `code` is what the fast
   * path returned, or `undefined` when it was not tried.
   */
  allocSlowly(
    slab: FastPaths,
    code: number | undefined,
    owner: number | undefined,
    state: HandleState | undefined,
    site: string | undefined,
  ): number | null;
  /** Everything `free()` does beyond its fast path. */
  freeSlowly(slab: FastPaths, handle: number): void;
}

// The mixin pattern needs `any[]` constructor arguments.
// deno-lint-ignore no-explicit-any
type Constructor = new (...args: any[]) => FastPaths;

/** Number of classes; the last is shared by the instances beyond the others. */
export const FAST_PATH_CLASSES = 16;

/**
 * The subclasses of `Base`, each with its own `alloc()` and `free()`, written
 * out {@linkcode FAST_PATH_CLASSES} times on purpose: each copy has its own
 * call feedback. Each
 * copy's code is `SlabAllocator.prototype.alloc()`'s and `free()`'s.
 */
export function fastPathClasses<B extends Constructor>(
  Base: B,
  { core, allocSlowly, freeSlowly }: SlabInternals,
): B[] {
  return [
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
    class SlabAllocator extends Base {
      override alloc(owner?: number, state?: HandleState, site?: string): number | null {
        if (owner === undefined && state === undefined && site === undefined) {
          const code = core(this).alloc();
          if (code >= 0) return code;
          if (code === EMPTY) return null;
          return allocSlowly(this, code, undefined, undefined, undefined);
        }
        return allocSlowly(this, undefined, owner, state, site);
      }
      override free(handle: number): void {
        if (
          typeof handle !== "number" || (handle | 0) !== handle || handle <= 0 ||
          core(this).free(handle) !== 0
        ) freeSlowly(this, handle);
      }
    },
  ];
}
