// Copyright 2026 the slabscope authors. MIT license.
// A TCP proxy between the browser and a server, to drop connections the way
// a network does and to count the bytes that go through, per connection.
// It reads the bytes; it never parses or changes them.

/** One proxied connection. */
export interface ProxiedConnection {
  /** The first bytes the browser sent (its request line and headers), as text. */
  request: string;
  /** Bytes from the server to the browser. */
  down: number;
  /** Those bytes as text, for looking for events (kept up to 8 MiB). */
  text: string;
  /** Each read from the server: when (`performance.now()`), how many bytes, and the text up to it. */
  reads: { at: number; bytes: number; textLength: number }[];
  /** Whether it ended. */
  closed: boolean;
}

const KEEP_TEXT = 8 * 1024 * 1024;

/** The proxy. */
export class TcpProxy {
  readonly port: number;
  readonly connections: ProxiedConnection[] = [];
  #listener: Deno.Listener;
  #open = new Set<{ client: Deno.Conn; server: Deno.Conn; record: ProxiedConnection }>();
  #refusing = false;
  #accepting: Promise<void>;

  constructor(target: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.#accepting = (async () => {
      for await (const client of listener) void this.#handle(client, target);
    })().catch(() => {});
  }

  /** While refusing, a new connection is closed as soon as it is accepted (a server that is down). */
  refuse(refusing: boolean): void {
    this.#refusing = refusing;
  }

  /** Drops every open connection at once, both sides, as a broken network does. */
  dropAll(): void {
    for (const pair of [...this.#open]) this.#drop(pair);
  }

  async close(): Promise<void> {
    this.dropAll();
    this.#listener.close();
    await this.#accepting;
  }

  async #handle(client: Deno.Conn, target: number): Promise<void> {
    if (this.#refusing) {
      client.close();
      return;
    }
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: "127.0.0.1", port: target });
    } catch {
      client.close();
      return;
    }
    const record: ProxiedConnection = { request: "", down: 0, text: "", closed: false, reads: [] };
    this.connections.push(record);
    const pair = { client, server, record };
    this.#open.add(pair);
    const decoder = new TextDecoder();
    const up = (async () => {
      const buffer = new Uint8Array(16 * 1024);
      for (;;) {
        const n = await client.read(buffer);
        if (n === null) break;
        if (record.request.length < 8192) record.request += decoder.decode(buffer.subarray(0, n));
        await writeAll(server, buffer.subarray(0, n));
      }
    })();
    const down = (async () => {
      const buffer = new Uint8Array(64 * 1024);
      const text = new TextDecoder();
      for (;;) {
        const n = await server.read(buffer);
        if (n === null) break;
        record.down += n;
        if (record.text.length < KEEP_TEXT) {
          record.text += text.decode(buffer.subarray(0, n), { stream: true });
        }
        record.reads.push({ at: performance.now(), bytes: n, textLength: record.text.length });
        await writeAll(client, buffer.subarray(0, n));
      }
    })();
    await Promise.allSettled([up, down]);
    this.#drop(pair);
  }

  #drop(pair: { client: Deno.Conn; server: Deno.Conn; record: ProxiedConnection }): void {
    if (!this.#open.delete(pair)) return;
    pair.record.closed = true;
    for (const conn of [pair.client, pair.server]) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await conn.write(bytes.subarray(written));
  }
}
