;; Copyright 2026 the slabscope authors. MIT license.
;;
;; The practical limit for the allocator benchmark: a tagged 64-bit Treiber
;; stack in WebAssembly on shared memory, one CAS per pop and per push, no
;; checks, no counters. Assembled by bench/_baselines.ts at start-up.
;;
;; Memory: [0, 8) head = tag << 24 | (index + 1); [8, 8 + 8n) links.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "init") (param $n i32)
    (local $i i32)
    (loop $next
      (i64.store offset=8 (i32.shl (local.get $i) (i32.const 3))
        (select (i64.extend_i32_u (i32.add (local.get $i) (i32.const 2))) (i64.const 0)
          (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
    (i64.atomic.store (i32.const 0) (i64.const 1)))
  (func (export "pop") (result i32)
    (local $h i64) (local $top i64)
    (loop $again
      (local.set $h (i64.atomic.load (i32.const 0)))
      (local.set $top (i64.and (local.get $h) (i64.const 16777215)))
      (if (i64.eqz (local.get $top)) (then (return (i32.const -1))))
      (br_if $again
        (i64.ne
          (i64.atomic.rmw.cmpxchg (i32.const 0) (local.get $h)
            (i64.or
              (i64.and (i64.add (local.get $h) (i64.const 16777216)) (i64.const -16777216))
              (i64.load offset=8
                (i32.shl (i32.sub (i32.wrap_i64 (local.get $top)) (i32.const 1)) (i32.const 3)))))
          (local.get $h))))
    (i32.sub (i32.wrap_i64 (local.get $top)) (i32.const 1)))
  (func (export "push") (param $i i32)
    (local $h i64)
    (loop $again
      (local.set $h (i64.atomic.load (i32.const 0)))
      (i64.store offset=8 (i32.shl (local.get $i) (i32.const 3))
        (i64.and (local.get $h) (i64.const 16777215)))
      (br_if $again
        (i64.ne
          (i64.atomic.rmw.cmpxchg (i32.const 0) (local.get $h)
            (i64.or (i64.and (local.get $h) (i64.const -16777216))
              (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1)))))
          (local.get $h))))))
