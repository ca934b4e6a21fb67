// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode useMomentInUrl}: the page's URL carries the moment the
 * timeline shows (`?at=<id>`) and the one it compares with
 * (`&compare=<id>`), so that a link shows the same picture.
 *
 * @module
 */

import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";

/**
 * Keeps `?at=` and `&compare=` of the page's URL in step with the two
 * signals (`null` removes a parameter), replacing the history entry rather
 * than adding one per scrub step.
 */
export function useMomentInUrl(
  moment: Signal<string | null>,
  compare: Signal<string | null>,
): void {
  useSignalEffect(() => {
    const url = new URL(location.href);
    const at = moment.value;
    const vs = compare.value;
    if (at === null) url.searchParams.delete("at");
    else url.searchParams.set("at", at);
    if (vs === null) url.searchParams.delete("compare");
    else url.searchParams.set("compare", vs);
    if (url.href !== location.href) {
      globalThis.history.replaceState(globalThis.history.state, "", url.href);
    }
  });
}
