// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { capacityReport } from "../client/capacity.ts";

/** Props of {@linkcode CapacityBanner}. */
export interface CapacityBannerProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
}

/**
 * Warns when pools fill up: a warning at ≥ 80 % or on an arena's heap
 * fallback; critical (pulsing) at ≥ 95 % or on a slab's overflow.
 */
export default function CapacityBanner({ snapshot }: CapacityBannerProps) {
  const report = capacityReport(snapshot.value);
  if (report.level === "none") return <div class="capacity-banner hidden" aria-live="polite" />;
  return (
    <div class={`capacity-banner ${report.level}`} role="alert" aria-live="polite">
      <strong>{report.level === "critical" ? "Critical" : "Warning"}:</strong>
      <ul>
        {report.messages.map((message) => (
          <li key={message.pool} class={message.level}>{message.text}</li>
        ))}
        {report.more > 0 && <li class="more">+{report.more} more</li>}
      </ul>
    </div>
  );
}
