// Copyright 2026 the slabscope authors. MIT license.
// A test client for event streams: a real fetch() reading a real socket,
// parsed by eventsource-parser (the parser most JS SSE clients use).
import { createParser } from "eventsource-parser";

export interface ReceivedEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
  at: number;
}

export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  bytes = 0;
  status = 0;
  headers: Headers = new Headers();
  ended = false;
  #abort = new AbortController();
  #waiters: (() => void)[] = [];
  #done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: HeadersInit = {}): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, { headers, signal: client.#abort.signal });
    client.status = response.status;
    client.headers = response.headers;
    client.#done = client.#pump(response);
    return client;
  }

  async #pump(response: Response): Promise<void> {
    const parser = createParser({
      onEvent: (e) => {
        this.events.push({ event: e.event, data: e.data, id: e.id, at: performance.now() });
        this.#wake();
      },
      onComment: (comment) => {
        this.comments.push(comment);
        this.#wake();
      },
      onRetry: (retry) => (this.retry = retry),
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) {
        this.bytes += chunk.byteLength;
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // Aborted by close(), or the server went away.
    } finally {
      this.ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Waits until `predicate` holds, re-checking after every event, comment or end. */
  async until(predicate: () => boolean, timeout = 10_000, what = "condition"): Promise<void> {
    const deadline = performance.now() + timeout;
    while (!predicate()) {
      const left = deadline - performance.now();
      if (left <= 0 || this.ended && !predicate()) {
        if (predicate()) return;
        throw new Error(
          `Timed out waiting for ${what} (${this.events.length} events, ended ${this.ended})`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.min(left, 250));
      });
      clearTimeout(timer);
    }
  }

  /** Waits for the n-th event (1-based) and returns it. */
  async nth(n: number, timeout?: number): Promise<ReceivedEvent> {
    await this.until(() => this.events.length >= n, timeout, `event #${n}`);
    return this.events[n - 1]!;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}

/** Polls until `predicate` holds or `timeout` ms pass. */
export async function eventually(
  predicate: () => boolean,
  timeout = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
