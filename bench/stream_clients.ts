// Copyright 2026 the slabscope authors. MIT license.
// Helper process for bench/stream.ts: opens N event-stream clients against a
// URL, reads everything they get, prints "ready" once every client has its
// keyframe, and exits when stdin closes.
const [url, countText] = Deno.args;
const count = Number(countText);
let ready = 0;
for (let i = 0; i < count; i++) {
  const response = await fetch(url!);
  if (response.status !== 200) {
    console.error(`client ${i}: ${response.status} ${await response.text()}`);
    Deno.exit(1);
  }
  (async () => {
    let first = true;
    for await (const chunk of response.body!) {
      if (first && new TextDecoder().decode(chunk).includes("event:diagnostics\n")) {
        first = false;
        if (++ready === count) console.log("ready");
      }
    }
  })();
}
for await (const _ of Deno.stdin.readable) { /* wait for the parent to close stdin */ }
Deno.exit(0);
