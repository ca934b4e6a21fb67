// Copyright 2026 the slabscope authors. MIT license.
// Hostile request lines and Host headers against a dashboard server of its
// own (a child process, so that everything it logs is seen): each gets a
// 400, 403 or 405 before any routing or authentication, or the connection
// is closed, and nothing at all is logged.
import assert from "node:assert/strict";

const FIXTURE = new URL("../fixtures/quiet_dashboard.ts", import.meta.url).pathname;

/** Sends raw bytes; returns the status line's code, or 0 when the server just closed. */
async function send(port: number, text: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(text));
    let received = "";
    const buffer = new Uint8Array(4096);
    while (!received.includes("\r\n")) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      received += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0);
  } finally {
    conn.close();
  }
}

Deno.test("malformed URLs, hosts and methods: 400, 403 or 405 before authentication, and nothing logged", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", FIXTURE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = new Response(child.stderr).text();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await stdout.read();
    if (done) break;
    printed += value;
  }
  const { port } = JSON.parse(printed.slice(0, printed.indexOf("\n")));
  const host = `Host: 127.0.0.1:${port}`;
  const cases: [string, string, number[]][] = [
    ["a port that is not a number", "GET /debug/ HTTP/1.1\r\nHost: localhost:abc\r\n\r\n", [400]],
    ["text after an IPv6 literal", "GET /debug/ HTTP/1.1\r\nHost: [::1]evil.com\r\n\r\n", [400]],
    ["a port beyond 65535", "GET /debug/ HTTP/1.1\r\nHost: 127.0.0.1:99999999\r\n\r\n", [400]],
    ["an empty Host", "GET /debug/ HTTP/1.1\r\nHost: \r\n\r\n", [400, 403]],
    ["user info in Host", "GET /debug/ HTTP/1.1\r\nHost: a@127.0.0.1\r\n\r\n", [400, 403]],
    ["two Host headers", `GET /debug/ HTTP/1.1\r\n${host}\r\nHost: evil.example\r\n\r\n`, [
      400,
      403,
    ]],
    ["TRACE (Request refuses it)", `TRACE /metrics HTTP/1.1\r\n${host}\r\n\r\n`, [405]],
    ["TRACK", `TRACK /metrics HTTP/1.1\r\n${host}\r\n\r\n`, [405]],
    ["CONNECT", `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n${host}\r\n\r\n`, [400, 405]],
    ["OPTIONS *", `OPTIONS * HTTP/1.1\r\n${host}\r\n\r\n`, [400, 405]],
    ["a lowercase method", `get /debug/ HTTP/1.1\r\n${host}\r\n\r\n`, [400, 405]],
    ["an absolute target elsewhere", `GET http://evil.example/ HTTP/1.1\r\n${host}\r\n\r\n`, [
      403,
    ]],
    ["a bad percent escape", `GET /debug/%zz HTTP/1.1\r\n${host}\r\n\r\n`, [404]],
    ["a scheme-relative path", `GET //evil.example/debug/ HTTP/1.1\r\n${host}\r\n\r\n`, [404]],
    ["a non-ASCII header", `GET /debug/ HTTP/1.1\r\n${host}\r\nX-A: \u00ff\u0100\r\n\r\n`, [
      0,
      200,
      400,
    ]],
    ["not HTTP at all", "\x16\x03\x01\x02\x00 hello\r\n\r\n", [0, 400]],
  ];
  try {
    for (const [what, text, expected] of cases) {
      const code = await send(port, text);
      assert.ok(expected.includes(code), `${what}: ${code}, expected ${expected.join(" or ")}`);
    }
    // And it still serves.
    assert.equal(await send(port, `GET /debug/ HTTP/1.1\r\n${host}\r\n\r\n`), 200);
  } finally {
    await child.stdin.close();
    await child.status;
    printed += await new Response(
      new ReadableStream({
        async pull(controller) {
          const { value, done } = await stdout.read();
          if (done) controller.close();
          else controller.enqueue(new TextEncoder().encode(value));
        },
      }),
    ).text();
  }
  assert.equal(await stderr, "", "nothing on stderr");
  assert.equal(printed, `${JSON.stringify({ port })}\n`, "nothing on stdout but the port");
});
