// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode KeyWatcher}: every new version of one key, from `kv.watch()`
 * and from polling.
 *
 * Both, because on the local SQLite backend `watch()` only hears of writes
 * made in the same process: with Deno 2.9.6, it sees other connections and
 * Workers of the process (`deno serve --parallel`), never another process
 * writing to the same file. On Deno Deploy it sees every isolate's writes.
 * Polling is one `get()` per interval; `0` relies on `watch()` alone.
 *
 * @module
 */

import type { FleetKv, FleetKvEntryMaybe, FleetKvKey } from "./kv.ts";

/** Options for {@linkcode KeyWatcher}. */
export interface KeyWatcherOptions {
  /** Milliseconds between polls; `0` for none. */
  pollInterval: number;
  /** Called with each new version of the key (never with a deleted key). */
  onEntry: (entry: FleetKvEntryMaybe) => void;
  /** Called when watching or polling fails; both go on. */
  onError: (error: unknown) => void;
}

/** Watches one key until closed. */
export class KeyWatcher {
  #kv: FleetKv;
  #key: FleetKvKey;
  #options: KeyWatcherOptions;
  #reader: ReadableStreamDefaultReader<readonly FleetKvEntryMaybe[]> | undefined;
  #reading: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling: Promise<void> | undefined;
  #last = "";
  #closed = false;

  /**
   * Starts watching (and polling). The key's current value, if any, is the
   * first entry delivered.
   *
   * @param kv The database.
   * @param key The key.
   * @param options Polling and callbacks.
   */
  constructor(kv: FleetKv, key: FleetKvKey, options: KeyWatcherOptions) {
    this.#kv = kv;
    this.#key = key;
    this.#options = options;
    try {
      this.#reader = kv.watch([key]).getReader();
      this.#reading = this.#read(this.#reader);
    } catch (error) {
      options.onError(error); // polling alone, then
    }
    if (options.pollInterval > 0) {
      this.#timer = setInterval(() => this.poll(), options.pollInterval);
    }
  }

  /** Reads the key now; resolves once the read is done (or failed). */
  poll(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#polling ??= (async () => {
      try {
        this.#deliver(await this.#kv.get(this.#key));
      } catch (error) {
        if (!this.#closed) this.#options.onError(error);
      } finally {
        this.#polling = undefined;
      }
    })();
    return this.#polling;
  }

  /** Stops watching and polling; resolves once nothing is in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.#reader?.cancel();
    } catch {
      // The database is closed already: the stream is over either way.
    }
    await this.#reading;
    await this.#polling;
  }

  async #read(reader: ReadableStreamDefaultReader<readonly FleetKvEntryMaybe[]>): Promise<void> {
    try {
      while (!this.#closed) {
        const { done, value } = await reader.read();
        if (done) return;
        if (value[0] !== undefined) this.#deliver(value[0]);
      }
    } catch (error) {
      if (!this.#closed) this.#options.onError(error);
    }
  }

  #deliver(entry: FleetKvEntryMaybe): void {
    const version = entry.versionstamp;
    // Versionstamps are fixed-width hex, increasing: compare as strings.
    if (this.#closed || version === null || version <= this.#last) return;
    this.#last = version;
    this.#options.onEntry(entry);
  }
}
