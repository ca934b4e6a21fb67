// Copyright 2026 the slabscope authors. MIT license.
// Client process of the stream benchmarks: opens N event-stream clients
// against a URL (one connection each), reads everything they get, prints
// "ready" once every client has its keyframe, and exits when stdin closes.
const [url, countText] = Deno.args;
const count = Number(countText);
let ready = 0;
for (let i = 0; i < count; i++) {
  const response = await fetch(url!);
  if (response.status !== 200) {
    console.error(`client ${i}: ${response.status} ${await response.text()}`);
    Deno.exit(1);
  }
  const decoder = new TextDecoder();
  (async () => {
    // Ready once the keyframe event is complete (its blank line arrived).
    let seen = "";
    let waiting = true;
    for await (const chunk of response.body!) {
      if (!waiting) continue;
      seen = (seen + decoder.decode(chunk, { stream: true })).slice(-1 - 64 * 1024);
      const start = seen.indexOf("event:diagnostics\n");
      if (start >= 0 && seen.indexOf("\n\n", start) >= 0) {
        waiting = false;
        if (++ready === count) console.log("ready");
      } else if (start >= 0) {
        seen = seen.slice(start, start + 18) + seen.slice(-1); // the event line and the last character
      }
    }
  })().catch(() => {/* the server went away */});
}
for await (const _ of Deno.stdin.readable) { /* wait for the parent to close stdin */ }
Deno.exit(0);
