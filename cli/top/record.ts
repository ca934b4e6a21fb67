// Copyright 2026 the slabscope authors. MIT license.
/**
 * `slabscope top --record FILE`: every state event top receives, written as
 * it comes to a recording file in the dashboard's format (gzip-compressed
 * JSON lines, `docs/wire-format.md` "Recordings"), which `deno task replay`
 * opens. The file never has a gap: when the stream skips states (top was
 * too slow, or reconnected after the server's window), the states missed
 * are fetched from the server's flight recorder; when that cannot be done
 * (the server restarted, or no longer holds them), the file is ended there,
 * complete, and top says so.
 *
 * @module
 */

import { readRecording } from "../../core/stream/recording_file.ts";
import {
  type RecordingEventInput,
  RecordingLineWriter,
} from "../../core/stream/recording_format.ts";
import { parseEventId } from "../../core/stream/last_event_id.ts";
import type { KeeperOutcome, StreamKeeper } from "./state.ts";
import type { ServerSentItem } from "./sse.ts";
import { streamHeaders } from "./connection.ts";

/** What the header shows of the recording. */
export interface RecordingStatus {
  /** The file. */
  readonly path: string;
  /** Events written. */
  readonly events: number;
  /** Why it stopped before top did, if it did. */
  readonly stopped?: string;
}

/** Options for {@linkcode TopRecorder}. */
export interface TopRecorderOptions {
  /** The file to write (created, or truncated). */
  path: string;
  /** The stream's URL (`…/diagnostics/memory`): the recorder is beside it. */
  streamUrl: URL;
  /** Bearer token for the backfill. */
  token?: string | undefined;
  /** Called when the status changed (to redraw). */
  onChange?: () => void;
}

/**
 * Writes the events a {@linkcode StreamKeeper} accepts to a recording file,
 * in order, filling gaps from the server's recorder.
 *
 * @example Recording two events
 * ```ts
 * import { DiagnosticsRegistry } from "../../mod.ts";
 * import { encodeKeyframe } from "../../wire.ts";
 * import { readRecording } from "../../core/stream/recording_file.ts";
 * import { StreamKeeper } from "./state.ts";
 * import { TopRecorder } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
 * const recorder = await TopRecorder.create({ path, streamUrl: new URL("http://127.0.0.1:1/debug/diagnostics/memory") });
 * const keeper = new StreamKeeper();
 * const data = encodeKeyframe({ ...new DiagnosticsRegistry().snapshot(), seq: 7 });
 * const item = { kind: "event", event: "diagnostics", data, id: "boot1-7" } as const;
 * recorder.handle(item, keeper.handle(item), keeper);
 * await recorder.close();
 * const recording = await readRecording(await Deno.readFile(path));
 * assert.deepEqual(recording.events.map((e) => e.seq), [7]);
 * await Deno.remove(path);
 * ```
 */
export class TopRecorder {
  #options: TopRecorderOptions;
  #file: Deno.FsFile;
  #sink: WritableStreamDefaultWriter<BufferSource>;
  #done: Promise<void>;
  #writer: RecordingLineWriter | undefined;
  #boot: string | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopped: string | undefined;
  #closed = false;

  private constructor(options: TopRecorderOptions, file: Deno.FsFile) {
    this.#options = options;
    this.#file = file;
    const gzip = new CompressionStream("gzip");
    this.#done = gzip.readable.pipeTo(file.writable);
    this.#sink = gzip.writable.getWriter();
  }

  /**
   * Creates (or truncates) the file.
   *
   * @throws {Deno.errors.PermissionDenied} Without write access to it.
   */
  static async create(options: TopRecorderOptions): Promise<TopRecorder> {
    const file = await Deno.open(options.path, { write: true, create: true, truncate: true });
    return new TopRecorder(options, file);
  }

  /** The file, the events written, and why it stopped early, if it did. */
  get status(): RecordingStatus {
    return {
      path: this.#options.path,
      events: this.#writer?.events ?? 0,
      ...(this.#stopped === undefined ? {} : { stopped: this.#stopped }),
    };
  }

  /**
   * Takes one stream item, after the keeper handled it: a keyframe or delta
   * it accepted goes to the file (queued, in order).
   *
   * @param item The item.
   * @param outcome What the keeper made of it.
   * @param keeper The keeper, holding the state the item produced.
   */
  handle(item: ServerSentItem, outcome: KeeperOutcome, keeper: StreamKeeper): void {
    if (item.kind !== "event" || outcome !== "state" || this.#stopped !== undefined) return;
    if (this.#closed) return;
    const snapshot = keeper.snapshot!;
    const position = parseEventId(item.id);
    const event = item.event === "diagnostics" ? "diagnostics" : "diagnostics-delta";
    const seq = snapshot.seq;
    const data = item.data;
    this.#queue = this.#queue.then(() => this.#write(event, seq, position?.boot, data));
  }

  /**
   * Writes the end line and closes the file (once; later calls wait for the
   * first). A file that got no keyframe is removed: it would hold nothing.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#queue;
      if (this.#writer !== undefined) await this.#sink.write(this.#writer.end());
      await this.#sink.close();
      await this.#done;
      if (this.#writer === undefined) await Deno.remove(this.#options.path).catch(() => {});
    }
    await this.#done;
  }

  async #write(
    event: RecordingEventInput["event"],
    seq: number,
    boot: string | undefined,
    data: string,
  ): Promise<void> {
    if (this.#stopped !== undefined) return;
    if (boot === undefined) return void this.#stop("an event came without an id");
    if (this.#writer === undefined) {
      if (event !== "diagnostics") return; // wait for a keyframe to start with
      this.#boot = boot;
      this.#writer = new RecordingLineWriter({
        boot,
        source: this.#options.streamUrl.href.replace(/diagnostics\/memory$/, ""),
        created: Date.now(),
      });
      await this.#sink.write(this.#writer.header());
    }
    if (boot !== this.#boot) {
      return void this.#stop(`the server restarted (boot ${this.#boot}, now ${boot})`);
    }
    const last = this.#writer.seq;
    // A delta the keeper accepted applies to the state it held: the last written.
    const base = event === "diagnostics" || last === undefined ? seq : last;
    if (event === "diagnostics" && last !== undefined && seq !== last && seq !== last + 1) {
      if (!(await this.#backfill(last, seq))) return;
    }
    try {
      await this.#sink.write(this.#writer.event({ event, seq, base, data }));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#stop(`the stream skipped states the server's recorder did not fill (${error.message})`);
    }
    this.#options.onChange?.();
  }

  /** Writes the states between `last` and `seq` from the server's recorder; false when it stopped. */
  async #backfill(last: number, seq: number): Promise<boolean> {
    const url = new URL(this.#options.streamUrl.href.replace(/memory$/, "recording"));
    url.searchParams.set("from", `${this.#boot}-${last}`);
    url.searchParams.set("to", `${this.#boot}-${seq}`);
    const skipped = `states ${last + 1} to ${seq - 1} were skipped`;
    try {
      const response = await fetch(url, { headers: streamHeaders(this.#options.token) });
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        return this.#stop(`${skipped} and the server's recorder answered ${response.status}`);
      }
      const recording = await readRecording(response.body, url.pathname);
      if (recording.header.boot !== this.#boot) {
        return this.#stop(`${skipped} and the server restarted meanwhile`);
      }
      for (const missed of recording.events) {
        if (missed.seq <= last || missed.seq >= seq) continue;
        await this.#sink.write(this.#writer!.event({
          event: missed.event,
          seq: missed.seq,
          base: missed.base,
          data: JSON.stringify(missed.data),
        }));
      }
      return true;
    } catch (error) {
      // A RangeError from the writer: what the server holds does not start
      // at `last` (its window moved past it).
      return this.#stop(
        error instanceof RangeError
          ? `${skipped} and the server's recorder no longer holds them`
          : `${skipped} and could not be fetched (${(error as Error).message})`,
      );
    }
  }

  /** Ends the file where it is: complete up to the last event written. */
  #stop(reason: string): false {
    this.#stopped = `recording stopped after ${this.#writer?.events ?? 0} events: ${reason}`;
    this.#options.onChange?.();
    return false;
  }
}
