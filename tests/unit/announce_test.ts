// Copyright 2026 the slabscope authors. MIT license.
// The line instrumentServer()'s onListen prints, formatted as Deno.serve's.
import assert from "node:assert/strict";
import { describeAddress } from "../../core/instrument/announce.ts";

Deno.test("describeAddress: hosts, IPv6 in brackets, wildcards with localhost, sockets", () => {
  assert.equal(
    describeAddress({ transport: "tcp", hostname: "127.0.0.1", port: 8080 }),
    "http://127.0.0.1:8080/",
  );
  assert.equal(
    describeAddress({ transport: "tcp", hostname: "::1", port: 80 }),
    "http://[::1]:80/",
  );
  const wildcard = describeAddress({ transport: "tcp", hostname: "0.0.0.0", port: 8000 });
  assert.equal(
    wildcard,
    Deno.build.os === "windows"
      ? "http://localhost:8000/"
      : "http://0.0.0.0:8000/ (http://localhost:8000/)",
  );
  assert.equal(describeAddress({ transport: "unix", path: "/tmp/app.sock" }), "/tmp/app.sock");
  assert.equal(describeAddress({ transport: "vsock", cid: 3, port: 1024 }), "vsock:3:1024");
});
