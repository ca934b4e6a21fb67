// Copyright 2026 the slabscope authors. MIT license.
/**
 * Following a body's bytes to move its slot between `Active` and `Idle`,
 * and to `Closing` when it ends. Internal to the instrumentation.
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import type { SlabAllocator } from "../allocator/slab.ts";

/**
 * Called once when a followed body ends: the bytes that went through, and
 * whether it was read to its end (`false`: cancelled, failed or aborted).
 */
export type BodyEnd = (bytes: number, clean: boolean) => void;

/**
 * Returns a response with the same status and headers whose body reports
 * its progress to `handle`'s slot: `Active` while chunks flow, `Idle` after
 * `idleAfter` ms without one, `Closing` when the body ends or is cancelled.
 * The slot itself is freed by whoever owns it (on `completed`, or when the
 * caller is done), so a late state change on a freed slot is ignored. With
 * `handle` null (the slab was full) only `onEnd` is told.
 */
export function trackBody(
  response: Response,
  slab: SlabAllocator,
  handle: number | null,
  idleAfter: number,
  onEnd?: BodyEnd,
): Response {
  const body = trackStream(response.body!, slab, handle, idleAfter, onEnd);
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * The stream part of {@linkcode trackBody}. `onEnd` runs once when the
 * stream ends, fails or is cancelled, with the bytes that went through.
 * When `signal` aborts, the stream fails with its reason and the source is
 * cancelled: the abort of a `fetch()` reaches the wrapped body whatever the
 * inner stream does.
 */
export function trackStream(
  source: ReadableStream<Uint8Array>,
  slab: SlabAllocator,
  handle: number | null,
  idleAfter: number,
  onEnd?: BodyEnd,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle = false;
  let done = false;
  let bytes = 0;
  const set = (state: HandleState) => {
    if (handle === null) return;
    try {
      slab.setState(handle, state);
    } catch {
      // The slot was freed already (the exchange ended first): nothing to track.
    }
  };
  const quiet = () => {
    idle = true;
    set(HandleState.Idle);
  };
  const reader = source.getReader();
  let abort = () => {};
  const finish = (clean: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
    set(HandleState.Closing);
    onEnd?.(bytes, clean);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(quiet, idleAfter);
      if (signal === undefined) return;
      // The signal may outlive the stream (an AbortController kept for the
      // app's life): its listener holds the controller weakly, so that a
      // stream dropped unread can still be collected (and its handle freed
      // by whoever watches it for that, as instrumentFetch() does).
      const stream = new WeakRef(controller);
      abort = () => {
        finish(false);
        stream.deref()?.error(signal.reason);
        reader.cancel(signal.reason).catch(() => {});
      };
      if (signal.aborted) abort();
      else signal.addEventListener("abort", abort, { once: true });
    },
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (done) return; // aborted: already errored
        finish(false);
        controller.error(error);
        return;
      }
      if (done) return; // aborted while reading
      if (result.done) {
        finish(true);
        controller.close();
        return;
      }
      bytes += result.value.byteLength;
      clearTimeout(timer);
      if (idle) {
        idle = false;
        set(HandleState.Active);
      }
      timer = setTimeout(quiet, idleAfter);
      controller.enqueue(result.value);
    },
    cancel(reason) {
      finish(false);
      return reader.cancel(reason);
    },
  });
}
