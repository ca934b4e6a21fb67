// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode clientNetwork}: the network a client address stands for, the
 * unit the stream caps and the rate limits count by. An IPv4 address is
 * one client; an IPv6 address is one of the 2^64 a single /64 subnet
 * holds, which one host can cycle through at will, so the /64 is the unit.
 *
 * @module
 */

import type { ConnectionInfo } from "../stream/diagnostics_stream.ts";

/** An IPv4 address in dotted decimal, as Deno reports a peer. */
const IPV4_REGEXP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** One group of an IPv6 address. */
const HEXTET_REGEXP = /^[0-9a-f]{1,4}$/;

/**
 * The network of a client address: an IPv4 address as it is, an IPv6
 * address as its /64 (`"2001:db8:1:2::/64"`), an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`) as the IPv4 address. Brackets and a zone
 * (`%eth0`) are ignored. Anything that is not an IP address (a Unix socket
 * path, `"unknown"`) is its own network.
 *
 * @param address The peer's address, e.g. `info.remoteAddr.hostname`.
 * @returns The key to count it by.
 *
 * @example Usage
 * ```ts
 * import { clientNetwork } from "./client_network.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(clientNetwork("192.0.2.7"), "192.0.2.7");
 * assert.equal(clientNetwork("2001:db8:0:1::7"), "2001:db8:0:1::/64");
 * assert.equal(clientNetwork("2001:db8:0:1:ffff::9"), "2001:db8:0:1::/64");
 * assert.equal(clientNetwork("::ffff:192.0.2.7"), "192.0.2.7");
 * ```
 */
export function clientNetwork(address: string): string {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (IPV4_REGEXP.test(bare)) return bare;
  const groups = expandIpv6(bare);
  if (groups === undefined) return address;
  // ::ffff:a.b.c.d (and its hex spelling ::ffff:xxxx:xxxx) is an IPv4 client.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or `undefined` if it is not one. */
function expandIpv6(text: string): number[] | undefined {
  if (!text.includes(":")) return undefined;
  let tail: number[] = [];
  let body = text;
  // A trailing dotted IPv4 part stands for the last two groups.
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted !== null) {
    const octets = dotted[2]!.split(".").map(Number);
    if (octets.some((octet) => octet > 255)) return undefined;
    tail = [(octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!];
    body = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string) => part === "" ? [] : part.split(":");
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if ([...head, ...rest].some((group) => !HEXTET_REGEXP.test(group))) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const zeros = new Array<number>(8 - known).fill(0);
  return [
    ...head.map((group) => parseInt(group, 16)),
    ...(halves.length === 2 ? zeros : []),
    ...rest.map((group) => parseInt(group, 16)),
    ...tail,
  ];
}

/**
 * The peer's address of a request, from `Deno.serve`'s handler info.
 *
 * @param info The handler info, when there is one.
 * @returns The address (`"127.0.0.1"`, `"::1"`), or `undefined` when unknown.
 *
 * @example Usage
 * ```ts
 * import { peerAddress } from "./client_network.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(peerAddress({ remoteAddr: { hostname: "192.0.2.7" } }), "192.0.2.7");
 * assert.equal(peerAddress(undefined), undefined);
 * ```
 */
export function peerAddress(info: ConnectionInfo | undefined): string | undefined {
  const address = info?.remoteAddr;
  return address !== undefined && "hostname" in address ? address.hostname : undefined;
}
