// The app's pools, shared by its routes.
import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";

export const registry = new DiagnosticsRegistry();
export const sessions = registry.addSlab(
  new SlabAllocator({ name: "sessions", slotSize: 256, capacity: 4096 }),
);
