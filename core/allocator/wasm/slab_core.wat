;; Copyright 2026 the slabscope authors. MIT license.
;;
;; The slab's operations in WebAssembly, over the same shared memory and the
;; same layout as the JavaScript core (core/allocator/slab_layout.ts): both
;; can work on one slab at once, word for word compatible. Built by
;; `deno task build:wasm` into slab_core_wasm.ts; a test fails when the two
;; disagree.
;;
;; One instance per SlabAllocator instance (one per thread and slab): its
;; globals hold that instance's geometry, counter lane and cache (magazine).
;; Every slab runs the same compiled module: V8 turns a call from JavaScript
;; into a direct call (no conversion wrapper) only for the first module an
;; optimized JavaScript function calls into, so code that uses two slabs
;; would fall off that path if each had a module of its own, specialized or
;; not. Every read of an immutable global below is assembled as an immediate
;; (build.ts): V8 folds an immediate into the instruction and drops the
;; bounds check of a constant address below the declared minimum memory (one
;; page), where a global costs a load from the instance and a check.
;;
;; Memory-model notes. WebAssembly atomics are sequentially consistent; plain
;; loads and stores that race are defined (no undefined behaviour) and an
;; aligned 4- or 8-byte access is not torn on the hardware V8 supports. Each
;; racy plain access below says why its value is harmless or checked.
(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; Milliseconds since the slab's epoch (Uint32, wrapping), read by $tick.
  (import "env" "clock" (func $clock (result i32)))
  ;; Test hook: called from $popBatch between reading the head and its CAS,
  ;; only while $hook is 1 (tests/unit/tag_wrap_test.ts).
  (import "env" "race" (func $race (param i32)))

  ;; Header words and regions of every slab (byte offsets; slab_layout.ts).
  (global $W_OVERFLOW i32 (i32.const 48))
  (global $W_PEAK i32 (i32.const 60))
  (global $W_LANES_USED i32 (i32.const 64))
  (global $W_CORRUPT_POPS i32 (i32.const 68))
  (global $W_HAS_OWNERS i32 (i32.const 72))
  (global $W_CORRUPT_LINKS i32 (i32.const 76))
  (global $HEAD i32 (i32.const 192))
  (global $LANES i32 (i32.const 256))

  ;; Geometry, set once by init(), and this instance's lane, set by useLane().
  (global $CAP (mut i32) (i32.const 0))         ;; slots
  (global $IBITS (mut i32) (i32.const 0))       ;; handle bits of the index
  (global $IMASK (mut i32) (i32.const 0))       ;; 2^IBITS - 1
  (global $GMASK (mut i32) (i32.const 0))       ;; generation mask of a handle
  (global $LINKS (mut i32) (i32.const 0))       ;; byte offsets of the regions
  (global $SLOTS (mut i32) (i32.const 0))
  (global $META (mut i32) (i32.const 0))
  (global $LANE (mut i32) (i32.const 0))        ;; byte offset of this instance's lane
  (global $SHARED (mut i32) (i32.const 1))      ;; 1: lane 0, shared by several instances
  (global $MAG (mut i32) (i32.const 0))         ;; byte offset of this lane's cache entries
  (global $MAG_MAX (mut i32) (i32.const 0))     ;; cache size; 0 = no cache
  (global $BATCH (mut i32) (i32.const 0))       ;; slots moved per refill / flush
  (global $EPOCHS (mut i32) (i32.const 0))      ;; byte offset of this lane's chunk epochs
  (global $STATE (mut i32) (i32.const 1))       ;; a new slot's state (Used or Connecting)
  (global $CLOCK_CALLS (mut i32) (i32.const 1)) ;; operations between two clock reads
  (global $allocs (mut i64) (i64.const 0))      ;; this lane's counts (see $countAlloc)
  (global $frees (mut i64) (i64.const 0))

  ;; The coarse clock: $now as of the last read, and how many operations may
  ;; still use it. $tick reads the clock when $left runs out; expireClock()
  ;; (a microtask the clock import queues, so once per event-loop task)
  ;; forces the next read.
  (global $now (mut i32) (i32.const 0))
  (global $left (mut i32) (i32.const 0))
  (global $tagMask (mut i64) (i64.const -16777216)) ;; ~(2^24 - 1); tests shrink the tag
  (global $hook (mut i32) (i32.const 0))
  ;; The slot word that made the last free() or setState() fail, for the
  ;; caller's error message.
  (global $rejected (mut i32) (i32.const 0))
  ;; The first slot of the last $popBatch: the cacheless alloc takes it from
  ;; here, so that instances sharing lane 0 share no scratch memory.
  (global $popped (mut i32) (i32.const 0))
  ;; W_OVERFLOW as this instance last saw it, and how many frees still go
  ;; straight to the shared list because another thread found it empty.
  (global $seenOverflow (mut i32) (i32.const 0))
  (global $giveBack (mut i32) (i32.const 0))
  ;; Allocations left before the next one to sample (slabs that sample
  ;; allocation sites; see allocSampled()).
  (global $sampleLeft (mut i32) (i32.const 0))

  (func (export "init")
    (param $cap i32) (param $ibits i32) (param $gbits i32)
    (param $links i32) (param $slots i32) (param $meta i32)
    (param $state i32) (param $clockCalls i32)
    (global.set $CAP (local.get $cap))
    (global.set $IBITS (local.get $ibits))
    (global.set $IMASK (i32.sub (i32.shl (i32.const 1) (local.get $ibits)) (i32.const 1)))
    (global.set $GMASK (i32.sub (i32.shl (i32.const 1) (local.get $gbits)) (i32.const 1)))
    (global.set $LINKS (local.get $links))
    (global.set $SLOTS (local.get $slots))
    (global.set $META (local.get $meta))
    (global.set $STATE (local.get $state))
    (global.set $CLOCK_CALLS (local.get $clockCalls)))

  ;; Counts in lane $lane (a byte offset) from now on, with a cache of
  ;; $magMax slots (entries at $mag) unless it is the shared lane 0.
  (func (export "useLane") (param $lane i32) (param $shared i32) (param $mag i32)
    (param $magMax i32) (param $epochs i32)
    (global.set $LANE (local.get $lane))
    (global.set $SHARED (local.get $shared))
    (global.set $MAG (local.get $mag))
    (global.set $MAG_MAX (local.get $magMax))
    (global.set $BATCH (i32.shr_u (i32.add (local.get $magMax) (i32.const 1)) (i32.const 1)))
    (global.set $EPOCHS (local.get $epochs))
    ;; Atomic reads: a lane taken over from an instance of another thread.
    (global.set $allocs (i64.atomic.load offset=8 (local.get $lane)))
    (global.set $frees (i64.atomic.load offset=16 (local.get $lane))))

  (func (export "configure") (param $tagBits i32) (param $hook i32)
    (if (i32.ge_s (local.get $tagBits) (i32.const 0))
      (then
        (global.set $tagMask
          (i64.and
            (i64.sub
              (i64.shl (i64.const 1) (i64.extend_i32_u (i32.add (local.get $tagBits) (i32.const 24))))
              (i64.const 1))
            (i64.const -16777216)))))
    (global.set $hook (local.get $hook)))

  (func (export "rejected") (result i32) (global.get $rejected))

  (func (export "expireClock") (global.set $left (i32.const 0)))

  ;; The next allocation to sample comes after $n more.
  (func (export "sampleAfter") (param $n i32) (global.set $sampleLeft (local.get $n)))

  ;; Counts one allocation made outside allocSampled(); 1 when it is the one
  ;; to sample (the caller then calls sampleAfter()).
  (func (export "sampleDue") (result i32)
    (global.set $sampleLeft (i32.sub (global.get $sampleLeft) (i32.const 1)))
    (i32.le_s (global.get $sampleLeft) (i32.const 0)))

  ;; One operation's use of the clock (the slow paths; the fast paths inline
  ;; the countdown and leave the read to these).
  (func $tick
    (if (i32.le_s (global.get $left) (i32.const 0))
      (then
        (global.set $now (call $clock))
        (global.set $left (global.get $CLOCK_CALLS))))
    (global.set $left (i32.sub (global.get $left) (i32.const 1))))

  ;; --- counters -----------------------------------------------------------

  ;; A private lane's counts are kept in $allocs and $frees too, and stored
  ;; whole after each change: the instance is the lane's only writer (it
  ;; loaded them when it took the lane), so it never needs to read them back.
  ;; Readers load each 64-bit count at once (Atomics.load on a
  ;; BigInt64Array), so they never see a half-carried value.
  (func $countAlloc
    (if (global.get $SHARED)
      (then (drop (i64.atomic.rmw.add offset=8 (global.get $LANE) (i64.const 1))))
      (else
        (global.set $allocs (i64.add (global.get $allocs) (i64.const 1)))
        ;; Without a cache $raisePeak sums every lane right after this: a
        ;; seq_cst store, so that of two threads allocating at once the later
        ;; sees the other's count and the peak misses no level (the
        ;; JavaScript core does the same). With a cache the peak is raised
        ;; after refills, whose fill is stored seq_cst for the same reason.
        (if (global.get $MAG_MAX)
          (then (i64.store offset=8 (global.get $LANE) (global.get $allocs)))
          (else (i64.atomic.store offset=8 (global.get $LANE) (global.get $allocs)))))))

  (func $countFree
    (if (global.get $SHARED)
      (then (drop (i64.atomic.rmw.add offset=16 (global.get $LANE) (i64.const 1))))
      (else
        (global.set $frees (i64.add (global.get $frees) (i64.const 1)))
        (i64.store offset=16 (global.get $LANE) (global.get $frees)))))

  ;; The chunk epoch of slot $i: bumped after every change of the slot's
  ;; word or meta. A plain store by the sole writer of a private lane (the
  ;; shared lane needs the atomic add); slab_collector.ts explains why a
  ;; collector still sees every change within one tick.
  (func $touch (param $i i32)
    (local $at i32)
    (local.set $at
      (i32.add (global.get $EPOCHS) (i32.shl (i32.shr_u (local.get $i) (i32.const 10)) (i32.const 2))))
    (if (global.get $SHARED)
      (then (drop (i32.atomic.rmw.add (local.get $at) (i32.const 1))))
      (else (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1))))))

  ;; Lost CAS races, counted in this lane (L_RETRIES) so that contended
  ;; threads never write one shared word.
  (func $retries (param $n i32)
    (if (local.get $n)
      (then
        (if (global.get $SHARED)
          (then (drop (i32.atomic.rmw.add offset=24 (global.get $LANE) (local.get $n))))
          (else (i32.store offset=24 (global.get $LANE)
            (i32.add (i32.load offset=24 (global.get $LANE)) (local.get $n))))))))

  ;; Slots off the shared free list: in use or cached, summed over lanes
  ;; (low words, mod 2^32). Plain loads of other lanes may miss an operation
  ;; in flight; that is what makes the peak a sample, not a lock.
  (func $offList (result i32)
    (local $end i32) (local $at i32) (local $sum i32)
    (local.set $end
      (i32.add (global.get $LANES)
        (i32.shl (i32.atomic.load (global.get $W_LANES_USED)) (i32.const 6))))
    (local.set $at (global.get $LANES))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $sum
          (i32.add (local.get $sum)
            (i32.add (i32.load offset=4 (local.get $at))
              (i32.sub (i32.load offset=8 (local.get $at)) (i32.load offset=16 (local.get $at))))))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (br $next)))
    (local.get $sum))

  (func $raisePeak
    (local $n i32) (local $peak i32)
    (local.set $n (call $offList))
    ;; A racing sum can exceed the capacity for an instant: not a real level.
    (if (i32.gt_u (local.get $n) (global.get $CAP)) (then (return)))
    (loop $again
      (local.set $peak (i32.atomic.load (global.get $W_PEAK)))
      (if (i32.gt_u (local.get $n) (local.get $peak))
        (then
          (br_if $again
            (i32.ne
              (i32.atomic.rmw.cmpxchg (global.get $W_PEAK) (local.get $peak) (local.get $n))
              (local.get $peak)))))))

  ;; --- the shared free list -------------------------------------------------

  ;; Address of slot $i's link (BigInt64: next index + 1, 0 = end).
  (func $link (param $i i32) (result i32)
    (i32.add (global.get $LINKS) (i32.shl (local.get $i) (i32.const 3))))

  ;; Takes up to $n slots off the shared list with one CAS, writing their
  ;; indexes to the cache entries from $into on (unless $into is 0); the
  ;; first is also left in $popped. Returns how many.
  ;;
  ;; Walking the links below the head is safe only because the CAS at the end
  ;; compares the whole tagged head: every pop (single or batch) bumps the
  ;; tag and a push changes the index, and a head can only return to an old
  ;; value through pops, so a successful CAS proves that no slot left the
  ;; list since the head was read, and a slot's link only changes while it
  ;; is off the list. Links read while another thread changes the list may
  ;; be stale (then the CAS fails and they are thrown away); a link outside
  ;; 0‥capacity can only be a foreign write: the walk stops there and, if
  ;; the CAS shows it was real, the cut is counted.
  (func $popBatch (param $n i32) (param $into i32) (result i32)
    (local $h i64) (local $top i64) (local $next i64) (local $k i32)
    (local $i i32) (local $corrupt i32) (local $retries i32) (local $cap64 i64)
    (local.set $cap64 (i64.extend_i32_u (global.get $CAP)))
    (loop $again
      (local.set $h (i64.atomic.load (global.get $HEAD)))
      (local.set $top (i64.and (local.get $h) (i64.const 16777215)))
      (if (i64.eqz (local.get $top))
        (then (call $retries (local.get $retries)) (return (i32.const 0))))
      (if (i64.gt_u (local.get $top) (local.get $cap64))
        (then
          ;; The head names no slot: empty the list rather than guess.
          (if (i64.eq
                (i64.atomic.rmw.cmpxchg (global.get $HEAD) (local.get $h)
                  (i64.and (i64.add (local.get $h) (i64.const 16777216)) (global.get $tagMask)))
                (local.get $h))
            (then
              (drop (i32.atomic.rmw.add (global.get $W_CORRUPT_LINKS) (i32.const 1)))
              (call $retries (local.get $retries))
              (return (i32.const 0))))
          (local.set $retries (i32.add (local.get $retries) (i32.const 1)))
          (br $again)))
      (local.set $k (i32.const 0))
      (local.set $corrupt (i32.const 0))
      (local.set $next (local.get $top))
      (block $walked
        (loop $walk
          (local.set $i (i32.sub (i32.wrap_i64 (local.get $next)) (i32.const 1)))
          (if (i32.eqz (local.get $k)) (then (global.set $popped (local.get $i))))
          (if (local.get $into)
            (then
              (i32.store (i32.add (local.get $into) (i32.shl (local.get $k) (i32.const 2)))
                (local.get $i))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          ;; Plain read of a link that may race; see above.
          (local.set $next (i64.load (call $link (local.get $i))))
          (if (i64.gt_u (local.get $next) (local.get $cap64))
            (then (local.set $next (i64.const 0)) (local.set $corrupt (i32.const 1))))
          (br_if $walked (i64.eqz (local.get $next)))
          (br_if $walk (i32.lt_u (local.get $k) (local.get $n)))))
      (if (global.get $hook) (then (call $race (local.get $i))))
      (if (i64.ne
            (i64.atomic.rmw.cmpxchg (global.get $HEAD) (local.get $h)
              (i64.or
                (i64.and (i64.add (i64.sub (local.get $h) (local.get $top)) (i64.const 16777216))
                  (global.get $tagMask))
                (local.get $next)))
            (local.get $h))
        (then
          (local.set $retries (i32.add (local.get $retries) (i32.const 1)))
          (br $again))))
    (call $retries (local.get $retries))
    (if (local.get $corrupt)
      (then (drop (i32.atomic.rmw.add (global.get $W_CORRUPT_LINKS) (i32.const 1)))))
    (local.get $k))

  ;; Pushes the chain $first → … → $last (links already written inside it).
  (func $pushChain (param $first i32) (param $last i32)
    (local $h i64) (local $top i64) (local $seen i64) (local $retries i32)
    ;; The first read may be plain: only the CAS decides.
    (local.set $h (i64.load (global.get $HEAD)))
    (loop $again
      (local.set $top (i64.and (local.get $h) (i64.const 16777215)))
      ;; Plain write of a link of a slot this thread holds; the seq_cst CAS
      ;; publishes it to the popper that reads the new head.
      (i64.store (call $link (local.get $last)) (local.get $top))
      ;; Pushes leave the tag alone: a head returns to an old value only
      ;; through pops, and those bump it.
      (local.set $seen
        (i64.atomic.rmw.cmpxchg (global.get $HEAD) (local.get $h)
          (i64.or (i64.sub (local.get $h) (local.get $top))
            (i64.extend_i32_u (i32.add (local.get $first) (i32.const 1))))))
      (if (i64.ne (local.get $seen) (local.get $h))
        (then
          (local.set $h (local.get $seen))
          (local.set $retries (i32.add (local.get $retries) (i32.const 1)))
          (br $again))))
    (call $retries (local.get $retries)))

  ;; --- the cache (magazine) -------------------------------------------------

  (func $cached (result i32) (i32.load offset=4 (global.get $LANE)))
  (func $setCached (param $n i32) (i32.store offset=4 (global.get $LANE) (local.get $n)))
  (func $entry (param $k i32) (result i32)
    (i32.add (global.get $MAG) (i32.shl (local.get $k) (i32.const 2))))

  ;; Refills an empty cache from the shared list; returns the new fill.
  ;; Slots are marked Cached (state 6) as they arrive: no free() or
  ;; setState() of any thread CASes a word in that state, so plain stores
  ;; suffice while the slot is this lane's alone.
  (func $refill (result i32)
    (local $got i32) (local $k i32) (local $kept i32) (local $i i32) (local $word i32)
    (local.set $got (call $popBatch (global.get $BATCH) (global.get $MAG)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $got)))
        (local.set $i (i32.load (call $entry (local.get $k))))
        (local.set $word (i32.load (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.and (local.get $word) (i32.const 255))
          (then
            ;; The list named a slot that is not free: corruption. Never
            ;; hand it out; leave it off the list; verify() reports it.
            (drop (i32.atomic.rmw.add (global.get $W_CORRUPT_POPS) (i32.const 1))))
          (else
            (i32.store (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2)))
              (i32.or (local.get $word) (i32.const 6)))
            (i32.store (call $entry (local.get $kept)) (local.get $i))
            (local.set $kept (i32.add (local.get $kept) (i32.const 1)))
            (call $touch (local.get $i))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    ;; seq_cst: $raisePeak sums every lane next (see $countAlloc).
    (i32.atomic.store offset=4 (global.get $LANE) (local.get $kept))
    (call $raisePeak)
    (local.get $kept))

  ;; Moves the $n most recently cached slots back to the shared list as one
  ;; chain (one CAS).
  (func $flush (param $n i32)
    (local $fill i32) (local $k i32) (local $i i32) (local $prev i32) (local $first i32)
    (local $at i32)
    (local.set $fill (call $cached))
    (if (i32.gt_u (local.get $n) (local.get $fill)) (then (local.set $n (local.get $fill))))
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $prev (i32.const -1))
    (loop $next
      (local.set $i (i32.load (call $entry (i32.sub (local.get $fill) (i32.add (local.get $k) (i32.const 1))))))
      (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
      ;; Cached → Free, plain: the slot is this lane's until the push below.
      (i32.store (local.get $at) (i32.and (i32.load (local.get $at)) (i32.const -256)))
      (call $touch (local.get $i))
      (if (i32.lt_s (local.get $prev) (i32.const 0))
        (then (local.set $first (local.get $i)))
        (else (i64.store (call $link (local.get $prev))
          (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))))
      (local.set $prev (local.get $i))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $k) (local.get $n))))
    ;; The fill drops before the push: a snapshot may count a slot as
    ;; neither cached nor listed for an instant, never as both.
    (call $setCached (i32.sub (local.get $fill) (local.get $n)))
    (call $pushChain (local.get $first) (local.get $prev)))

  (func (export "flushAll") (call $flush (call $cached)))

  ;; --- the public operations ------------------------------------------------

  ;; The fast paths, alloc() and free(), do the common case and nothing else:
  ;; a private lane with a cache, no owner, the clock fresh, no race. When
  ;; they cannot finish they change nothing and return a "slow" code, and
  ;; the caller calls allocSlow() or freeSlow(), which do everything. They
  ;; are leaves (no call, no loop: no stack check, no spills), and test each
  ;; condition with its own branch, which costs less than combining them.
  ;; An instance without a cache calls allocFresh() and freeSlow() instead.

  ;; Returns a handle, or -2: call allocSlow(). Takes a slot from this
  ;; lane's cache.
  (func $alloc (export "alloc") (result i32)
    (local $n i32) (local $left i32) (local $i i32) (local $at i32) (local $word i32)
    (local $chunk i32)
    (block $slow
      (local.set $n (i32.load offset=4 (global.get $LANE)))
      (br_if $slow (i32.eqz (local.get $n)))
      (local.set $left (i32.sub (global.get $left) (i32.const 1)))
      (br_if $slow (i32.lt_s (local.get $left) (i32.const 0)))
      (global.set $left (local.get $left))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (local.set $i (i32.load (i32.add (global.get $MAG) (i32.shl (local.get $n) (i32.const 2)))))
      (i32.store offset=4 (global.get $LANE) (local.get $n))
      (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
      ;; Cached → the first state; see $allocSlow for why plain stores do.
      (local.set $word (i32.and (i32.load (local.get $at)) (i32.const -256)))
      (i32.store (local.get $at) (i32.or (local.get $word) (global.get $STATE)))
      ;; The generation in the meta word is already this one (free() stored
      ;; it); owner none, time now.
      (i64.store (i32.add (global.get $META) (i32.shl (local.get $i) (i32.const 3)))
        (i64.or
          (i64.shl (i64.extend_i32_u (global.get $now)) (i64.const 32))
          (i64.extend_i32_u
            (i32.or
              (i32.shl (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 16))
              (i32.const 65535)))))
      (global.set $allocs (i64.add (global.get $allocs) (i64.const 1)))
      (i64.store offset=8 (global.get $LANE) (global.get $allocs))
      (local.set $chunk
        (i32.add (global.get $EPOCHS) (i32.shl (i32.shr_u (local.get $i) (i32.const 10)) (i32.const 2))))
      (i32.store (local.get $chunk) (i32.add (i32.load (local.get $chunk)) (i32.const 1)))
      (return
        (i32.or
          (i32.shl
            (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (global.get $GMASK))
            (global.get $IBITS))
          (local.get $i))))
    (i32.const -2))

  ;; alloc() of an instance without a cache: a handle, or -1 when no slot is
  ;; free (counted as an overflow).
  (func (export "allocFresh") (result i32)
    (call $allocSlow (i32.const 65535) (global.get $STATE)))

  ;; alloc() or allocFresh() of an instance that samples allocation sites:
  ;; -3 instead when this allocation is the one to sample (nothing is
  ;; allocated; the caller re-arms with sampleAfter() and allocates with
  ;; allocSlow()).
  (func (export "allocSampled") (result i32)
    (local $left i32)
    (local.set $left (i32.sub (global.get $sampleLeft) (i32.const 1)))
    (if (i32.le_s (local.get $left) (i32.const 0)) (then (return (i32.const -3))))
    (global.set $sampleLeft (local.get $left))
    (if (result i32) (global.get $MAG_MAX)
      (then (call $alloc))
      (else (call $allocSlow (i32.const 65535) (global.get $STATE)))))

  ;; Returns a handle, or -1 when no slot is free (counted as an overflow).
  ;; $owner 65535 means none; $state is a valid first state.
  (func $allocSlow (export "allocSlow") (param $owner i32) (param $state i32) (result i32)
    (local $i i32) (local $n i32) (local $at i32) (local $word i32) (local $corrupt i32)
    (call $tick)
    (if (global.get $MAG_MAX)
      (then
        (local.set $n (call $cached))
        (if (i32.eqz (local.get $n))
          (then
            (local.set $n (call $refill))
            (if (i32.eqz (local.get $n))
              (then
                (drop (i32.atomic.rmw.add (global.get $W_OVERFLOW) (i32.const 1)))
                (return (i32.const -1))))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $i (i32.load (call $entry (local.get $n))))
        (call $setCached (local.get $n))
        (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $word (i32.load (local.get $at))))
      (else
        ;; No cache: one slot off the shared list, skipping (and counting)
        ;; slots the list names wrongly, at most 64 per call.
        (loop $pop
          (if (i32.ge_u (local.get $corrupt) (i32.const 64))
            (then
              (drop (i32.atomic.rmw.add (global.get $W_OVERFLOW) (i32.const 1)))
              (return (i32.const -1))))
          (if (i32.eqz (call $popBatch (i32.const 1) (i32.const 0)))
            (then
              (drop (i32.atomic.rmw.add (global.get $W_OVERFLOW) (i32.const 1)))
              (return (i32.const -1))))
          (local.set $i (global.get $popped))
          (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
          ;; The pop made this thread the slot's only legitimate writer.
          (local.set $word (i32.load (local.get $at)))
          (if (i32.and (local.get $word) (i32.const 255))
            (then
              (drop (i32.atomic.rmw.add (global.get $W_CORRUPT_POPS) (i32.const 1)))
              (local.set $corrupt (i32.add (local.get $corrupt) (i32.const 1)))
              (br $pop))))))
    ;; Free or Cached → the first state. A plain store: no other thread CASes
    ;; a word in either state, and the handle's hand-over (postMessage, an
    ;; Atomics store) or the epoch store below publishes it.
    (local.set $word (i32.and (local.get $word) (i32.const -256)))
    (i32.store (local.get $at) (i32.or (local.get $word) (local.get $state)))
    ;; Generation, owner and time in one 64-bit store. free() stored this
    ;; generation already, so a late setState() of the slot's previous life,
    ;; whose meta CAS expects the previous generation, cannot succeed.
    (i64.store (i32.add (global.get $META) (i32.shl (local.get $i) (i32.const 3)))
      (i64.or
        (i64.shl (i64.extend_i32_u (global.get $now)) (i64.const 32))
        (i64.extend_i32_u
          (i32.or
            (i32.shl (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 65535)) (i32.const 16))
            (local.get $owner)))))
    (if (i32.ne (local.get $owner) (i32.const 65535))
      (then
        (if (i32.eqz (i32.load (global.get $W_HAS_OWNERS)))
          (then (i32.atomic.store (global.get $W_HAS_OWNERS) (i32.const 1))))))
    (call $countAlloc)
    (call $touch (local.get $i))
    (if (i32.eqz (global.get $MAG_MAX)) (then (call $raisePeak)))
    (i32.or
      (i32.shl
        (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (global.get $GMASK))
        (global.get $IBITS))
      (local.get $i)))

  ;; 0: freed; 3: call freeSlow(). The handle is an integer from 1 to
  ;; 2^31 - 1. Fast path: a live slot of the handle's generation, a cache with
  ;; room, no give-back due, the clock fresh, the CAS won at once.
  (func (export "free") (param $handle i32) (result i32)
    (local $i i32) (local $at i32) (local $word i32) (local $n i32) (local $left i32)
    (local $chunk i32)
    (block $slow
      (local.set $n (i32.load offset=4 (global.get $LANE)))
      (br_if $slow (i32.ge_u (local.get $n) (global.get $MAG_MAX)))
      (local.set $left (i32.sub (global.get $left) (i32.const 1)))
      (br_if $slow (i32.lt_s (local.get $left) (i32.const 0)))
      (br_if $slow (global.get $giveBack))
      ;; W_OVERFLOW is read plain; see $freeSlow.
      (br_if $slow (i32.ne (i32.load (global.get $W_OVERFLOW)) (global.get $seenOverflow)))
      (local.set $i (i32.and (local.get $handle) (global.get $IMASK)))
      (br_if $slow (i32.ge_u (local.get $i) (global.get $CAP)))
      (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $word (i32.load (local.get $at)))
      ;; state 0 (Free) or 6 (Cached): (s - 1) & 0xFF ≥ 5 exactly for those
      (br_if $slow
        (i32.ge_u (i32.and (i32.sub (local.get $word) (i32.const 1)) (i32.const 255)) (i32.const 5)))
      (br_if $slow
        (i32.ne (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (global.get $GMASK))
          (i32.shr_u (local.get $handle) (global.get $IBITS))))
      ;; The CAS where the free takes effect (see $freeSlow); a lost race, a
      ;; concurrent setState() or double free, goes the slow way from the start.
      (br_if $slow
        (i32.ne
          (i32.atomic.rmw.cmpxchg (local.get $at) (local.get $word)
            (i32.or (i32.and (i32.add (local.get $word) (i32.const 256)) (i32.const -256)) (i32.const 6)))
          (local.get $word)))
      (global.set $left (local.get $left))
      (i64.store (i32.add (global.get $META) (i32.shl (local.get $i) (i32.const 3)))
        (i64.or
          (i64.shl (i64.extend_i32_u (global.get $now)) (i64.const 32))
          (i64.extend_i32_u
            (i32.or
              (i32.shl (i32.shr_u (i32.add (local.get $word) (i32.const 256)) (i32.const 8)) (i32.const 16))
              (i32.const 65535)))))
      (global.set $frees (i64.add (global.get $frees) (i64.const 1)))
      (i64.store offset=16 (global.get $LANE) (global.get $frees))
      (local.set $chunk
        (i32.add (global.get $EPOCHS) (i32.shl (i32.shr_u (local.get $i) (i32.const 10)) (i32.const 2))))
      (i32.store (local.get $chunk) (i32.add (i32.load (local.get $chunk)) (i32.const 1)))
      (i32.store (i32.add (global.get $MAG) (i32.shl (local.get $n) (i32.const 2))) (local.get $i))
      (i32.store offset=4 (global.get $LANE) (i32.add (local.get $n) (i32.const 1)))
      (return (i32.const 0)))
    (i32.const 3))

  ;; 0: freed. 1: rejected (the slot word is in rejected()). 2: the index is
  ;; not below the capacity. The handle is an integer from 0 to 2^31 - 1.
  (func $freeSlow (export "freeSlow") (param $handle i32) (result i32)
    (local $i i32) (local $gen i32) (local $at i32) (local $word i32) (local $current i32)
    (local $next i32) (local $seen i32) (local $retries i32) (local $keep i32) (local $fill i32)
    (local.set $i (i32.and (local.get $handle) (global.get $IMASK)))
    (if (i32.ge_u (local.get $i) (global.get $CAP)) (then (return (i32.const 2))))
    (call $tick)
    (local.set $gen (i32.shr_u (local.get $handle) (global.get $IBITS)))
    (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
    ;; Keep the slot in this lane's cache, unless the cache is full (then
    ;; flush half of it first) or some thread found the shared list empty
    ;; since this one last looked (then the next half cache of frees go to
    ;; the list, where every thread can find them). W_OVERFLOW is read plain:
    ;; it is written only when an alloc() fails, so its cache line stays
    ;; shared, and a stale read only delays the give-back by one free.
    (if (global.get $MAG_MAX)
      (then
        (if (i32.ne (i32.load (global.get $W_OVERFLOW)) (global.get $seenOverflow))
          (then
            (global.set $seenOverflow (i32.load (global.get $W_OVERFLOW)))
            (global.set $giveBack (global.get $BATCH))))
        (if (global.get $giveBack)
          (then (global.set $giveBack (i32.sub (global.get $giveBack) (i32.const 1))))
          (else (local.set $keep (i32.const 1))))))
    ;; The first read is plain: whoever legitimately holds the handle has
    ;; synchronized with its alloc; anything else is settled by the CAS.
    (local.set $word (i32.load (local.get $at)))
    (loop $again
      (if (i32.or
            (i32.or
              (i32.eqz (i32.and (local.get $word) (i32.const 255)))
              (i32.eq (i32.and (local.get $word) (i32.const 255)) (i32.const 6)))
            (i32.ne (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (global.get $GMASK))
              (local.get $gen)))
        (then
          (local.set $current (i32.atomic.load (local.get $at)))
          (if (i32.ne (local.get $current) (local.get $word))
            (then (local.set $word (local.get $current)) (br $again)))
          (call $retries (local.get $retries))
          (global.set $rejected (local.get $word))
          (return (i32.const 1))))
      ;; This CAS is where a free takes effect: of two threads freeing the
      ;; same handle exactly one succeeds; the loser re-reads, sees the slot
      ;; free (or cached) and reports a double free. The generation bump in
      ;; the same CAS makes every copy of the handle stale.
      (local.set $next
        (i32.or
          (i32.and (i32.add (local.get $word) (i32.const 256)) (i32.const -256))
          (select (i32.const 6) (i32.const 0) (local.get $keep))))
      (local.set $seen (i32.atomic.rmw.cmpxchg (local.get $at) (local.get $word) (local.get $next)))
      (if (i32.ne (local.get $seen) (local.get $word))
        (then
          ;; A concurrent setState() changed the state bits.
          (local.set $word (local.get $seen))
          (local.set $retries (i32.add (local.get $retries) (i32.const 1)))
          (br $again))))
    (call $retries (local.get $retries))
    ;; The meta word takes the new generation and no owner: a setState() that
    ;; won its slot-word CAS just before ours CASes its owner and time against
    ;; the old generation, fails, and gives up.
    (i64.store (i32.add (global.get $META) (i32.shl (local.get $i) (i32.const 3)))
      (i64.or
        (i64.shl (i64.extend_i32_u (global.get $now)) (i64.const 32))
        (i64.extend_i32_u
          (i32.or
            (i32.shl (i32.and (i32.shr_u (local.get $next) (i32.const 8)) (i32.const 65535)) (i32.const 16))
            (i32.const 65535)))))
    (call $countFree) ;; before the push, which publishes it
    (call $touch (local.get $i))
    (if (local.get $keep)
      (then
        (local.set $fill (call $cached))
        (if (i32.ge_u (local.get $fill) (global.get $MAG_MAX))
          (then
            (call $flush (global.get $BATCH))
            (local.set $fill (call $cached))))
        (i32.store (call $entry (local.get $fill)) (local.get $i))
        (call $setCached (i32.add (local.get $fill) (i32.const 1))))
      (else (call $pushChain (local.get $i) (local.get $i))))
    (i32.const 0))

  ;; 0: done (owner -1 keeps the owner). 1: rejected (see rejected()). 2: out of range.
  (func (export "setState") (param $handle i32) (param $state i32) (param $owner i32)
    (result i32)
    (local $i i32) (local $gen i32) (local $at i32) (local $word i32) (local $s i32)
    (local $m i64) (local $low i32) (local $g16 i32) (local $metaAt i32)
    (local.set $i (i32.and (local.get $handle) (global.get $IMASK)))
    (if (i32.ge_u (local.get $i) (global.get $CAP)) (then (return (i32.const 2))))
    (call $tick)
    (local.set $gen (i32.shr_u (local.get $handle) (global.get $IBITS)))
    (local.set $at (i32.add (global.get $SLOTS) (i32.shl (local.get $i) (i32.const 2))))
    (loop $again
      (local.set $word (i32.atomic.load (local.get $at)))
      (local.set $s (i32.and (local.get $word) (i32.const 255)))
      (if (i32.or
            (i32.or (i32.eqz (local.get $s)) (i32.eq (local.get $s) (i32.const 6)))
            (i32.ne (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (global.get $GMASK))
              (local.get $gen)))
        (then (global.set $rejected (local.get $word)) (return (i32.const 1))))
      ;; CAS, not a store: a concurrent free() must not be undone.
      (if (i32.ne
            (i32.atomic.rmw.cmpxchg (local.get $at) (local.get $word)
              (i32.or (i32.and (local.get $word) (i32.const -256)) (local.get $state)))
            (local.get $word))
        (then
          (call $retries (i32.const 1))
          (br $again))))
    ;; Owner and time: one CAS on the meta word that expects this slot
    ;; generation. If the slot was freed since, free() stored the next one,
    ;; and this superseded change is dropped instead of landing on the
    ;; slot's next allocation.
    (local.set $g16 (i32.and (i32.shr_u (local.get $word) (i32.const 8)) (i32.const 65535)))
    (local.set $metaAt (i32.add (global.get $META) (i32.shl (local.get $i) (i32.const 3))))
    (block $stamped
      (loop $cas
        (local.set $m (i64.atomic.load (local.get $metaAt)))
        (local.set $low (i32.wrap_i64 (local.get $m)))
        (br_if $stamped (i32.ne (i32.shr_u (local.get $low) (i32.const 16)) (local.get $g16)))
        (if (i32.ge_s (local.get $owner) (i32.const 0))
          (then (local.set $low (i32.or (i32.shl (local.get $g16) (i32.const 16)) (local.get $owner)))))
        (br_if $cas
          (i64.ne
            (i64.atomic.rmw.cmpxchg (local.get $metaAt) (local.get $m)
              (i64.or (i64.shl (i64.extend_i32_u (global.get $now)) (i64.const 32))
                (i64.extend_i32_u (local.get $low))))
            (local.get $m)))))
    (if (i32.ge_s (local.get $owner) (i32.const 0))
      (then
        (if (i32.eqz (i32.load (global.get $W_HAS_OWNERS)))
          (then (i32.atomic.store (global.get $W_HAS_OWNERS) (i32.const 1))))))
    (call $touch (local.get $i))
    (i32.const 0)))
