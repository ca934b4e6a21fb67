// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { SlotSelection } from "../client/slot_selection.ts";
import { SlabPanel } from "../components/slab_panel.tsx";
import type { MomentDiff } from "../client/moment_diff.ts";

/** Props of {@linkcode SlabGrids}. */
export interface SlabGridsProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** URL of `…/diagnostics/slot`. */
  slotUrl: string;
  /** The fleet instance shown, `null` for this process (slot details are this process's only). */
  instance: Signal<string | null>;
  /** The selected slot, shared with the open-handle list. */
  selection?: Signal<SlotSelection | null>;
  /** Two moments compared (the timeline's diff), if any. */
  diff?: Signal<MomentDiff | null>;
  /** The moment shown (`null`: live): slot details come from the live process only. */
  moment?: Signal<string | null>;
}

/** One panel per slab, in registration order; panels come and go with the slabs. */
export default function SlabGrids(
  { snapshot, slotUrl, instance, selection, diff, moment }: SlabGridsProps,
) {
  const slabs = snapshot.value?.slabs ?? [];
  if (slabs.length === 0) {
    return (
      <p class="panel empty">
        {snapshot.value === null ? "Waiting for the first snapshot…" : "No slabs registered."}
      </p>
    );
  }
  return (
    <div class="slabs">
      {slabs.map((slab) => (
        <SlabPanel
          key={`${slab.name}/${slab.kind}/${slab.total}`}
          snapshot={snapshot}
          name={slab.name}
          slotUrl={instance.value === null && (moment?.value ?? null) === null ? slotUrl : null}
          selection={selection}
          diff={diff}
          moment={moment}
        />
      ))}
    </div>
  );
}
