// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
// The build id `asset()` busts caches with: set by the app on the server
// (from its assets) and by `boot()` in the browser (from the page). One
// build per process, so one value.

let buildId: string | undefined;

/** Sets the build id (idempotent for the same build). */
export function setBuildId(id: string): void {
  buildId = id;
}

/** The build id, once an app or the browser runtime set it. */
export function currentBuildId(): string | undefined {
  return buildId;
}
