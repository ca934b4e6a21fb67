// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";

/** Props of {@linkcode InstanceTitle}. */
export interface InstanceTitleProps {
  /** The host this page was served by: the process shown until the fleet switches. */
  host: string;
  /** The fleet instance shown: `null` for this process. */
  instance: Signal<string | null>;
  /** How the fleet names the instance shown (`demo :8731 on vm`), written when it is picked. */
  instanceLabel: Signal<string | null>;
}

/**
 * The header's "memory pools of …": the process whose figures the page
 * shows, which after a switch in the Fleet panel is another instance, not
 * the host that served the page. The tab's title says the same.
 */
export default function InstanceTitle({ host, instance, instanceLabel }: InstanceTitleProps) {
  const other = instance.value !== null;
  const shown = other ? instanceLabel.value ?? instance.value! : host;
  useSignalEffect(() => {
    const name = instance.value === null ? null : instanceLabel.value ?? instance.value;
    document.title = name === null ? "slabscope" : `${name} · slabscope`;
  });
  return (
    <span class={`where${other ? " other-instance" : ""}`} data-instance={instance.value ?? ""}>
      memory pools of <strong>{shown}</strong>{" "}
      {other && <span class="muted">(fleet instance; served by {host})</span>}
    </span>
  );
}
