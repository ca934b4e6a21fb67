// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { poolLevel } from "../core/capacity_level.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { formatBytes, formatCount, formatPercent } from "../client/format.ts";
import { poolAnchor } from "../client/pool_anchor.ts";

/** Props of {@linkcode ArenaGauges}. */
export interface ArenaGaugesProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
}

/**
 * Used vs capacity per arena, with the high-water mark, resets and heap
 * fallbacks; an arena pool links to the slab of arenas that backs it.
 */
export default function ArenaGauges({ snapshot }: ArenaGaugesProps) {
  const arenas = snapshot.value?.arenas ?? [];
  return (
    <section class="panel arenas" aria-labelledby="arenas-title">
      <h2 id="arenas-title">Arenas</h2>
      {arenas.length === 0 && <p class="muted">No arenas registered.</p>}
      {arenas.map((arena) => {
        const ratio = arena.capacity === 0 ? 0 : arena.used / arena.capacity;
        const level = poolLevel("arena", ratio, arena.overflow);
        return (
          <div class="arena" key={arena.name} id={poolAnchor("arena", arena.name)}>
            <div class="arena-head">
              <strong>{arena.name}</strong>
              {arena.pool !== undefined && (
                <>
                  <span class="muted">
                    {formatCount(arena.pool.in_use)} / {formatCount(arena.pool.count)} arenas of
                    {" "}
                    {formatBytes(arena.pool.arena_capacity)}
                  </span>
                  <a
                    class="backed-by"
                    href={`#${poolAnchor("slab", arena.name)}`}
                    data-backed-by={arena.name}
                  >
                    backed by slab {arena.name} ↓
                  </a>
                </>
              )}
            </div>
            <div
              class={`gauge ${level}`}
              role="meter"
              aria-valuemin={0}
              aria-valuemax={arena.capacity}
              aria-valuenow={arena.used}
              aria-label={`${arena.name} bytes in use`}
            >
              <div class="gauge-fill" style={{ width: `${100 * ratio}%` }} />
              <div
                class="gauge-hwm"
                style={{
                  left: `${
                    (100 * Math.min(arena.hwm, arena.capacity)) / Math.max(1, arena.capacity)
                  }%`,
                }}
                title={`high-water mark: ${formatBytes(arena.hwm)}`}
              />
            </div>
            <div class="arena-stats">
              <span>
                {formatBytes(arena.used)} / {formatBytes(arena.capacity)} ({formatPercent(ratio)})
              </span>
              <span>hwm {formatBytes(arena.hwm)}</span>
              <span>{formatCount(arena.resets)} resets</span>
              <span class={arena.overflow > 0 ? "warning-text" : ""}>
                {formatCount(arena.overflow)} heap fallbacks ({formatBytes(arena.overflow_bytes)})
              </span>
            </div>
          </div>
        );
      })}
    </section>
  );
}
