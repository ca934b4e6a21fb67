// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode createRangeRoot}: a stand-in parent node whose children are the
 * nodes between two marker comments, so Preact can `render()` an island
 * into that range without touching the siblings around it.
 *
 * @module
 */

/**
 * The part of a DOM parent that Preact's `render()` uses, restricted to the
 * nodes strictly between `start` and `end`.
 */
export interface RangeRoot {
  /** The real parent's namespace (for SVG). */
  readonly namespaceURI: string | null;
  /** The real parent's node type. */
  readonly nodeType: number;
  /** The real parent. */
  readonly parentNode: ParentNode | null;
  /** The first node in the range, or `null`. */
  readonly firstChild: ChildNode | null;
  /** The nodes in the range. */
  readonly childNodes: ChildNode[];
  /** Inserts `node` before `ref`, or before the end marker when `ref` is outside the range. */
  insertBefore<T extends Node>(node: T, ref: Node | null): T;
  /** Inserts `node` at the end of the range. */
  appendChild<T extends Node>(node: T): T;
  /** Removes a node from the range. */
  removeChild<T extends Node>(node: T): T;
  /** Whether `node` is in the range or inside a node in it. */
  contains(node: Node | null): boolean;
}

/**
 * Creates the stand-in parent for the range between two sibling comments.
 *
 * @param start The opening marker.
 * @param end The closing marker, a later sibling of `start`.
 * @returns The stand-in, to pass to Preact's `render()` as the parent.
 */
export function createRangeRoot(start: Comment, end: Comment): RangeRoot {
  const parent = start.parentNode;
  if (parent === null || end.parentNode !== parent) {
    throw new TypeError("Cannot render island: its markers are not siblings");
  }
  const nodes = (): ChildNode[] => {
    const out: ChildNode[] = [];
    for (let node = start.nextSibling; node !== null && node !== end; node = node.nextSibling) {
      out.push(node);
    }
    return out;
  };
  const inRange = (node: Node | null): boolean => {
    for (let n = start.nextSibling; n !== null && n !== end; n = n.nextSibling) {
      if (n === node) return true;
    }
    return false;
  };
  return {
    namespaceURI: (parent as Element).namespaceURI ?? null,
    nodeType: parent.nodeType,
    parentNode: parent.parentNode,
    get firstChild() {
      const first = start.nextSibling;
      return first === end ? null : first;
    },
    get childNodes() {
      return nodes();
    },
    insertBefore(node, ref) {
      parent.insertBefore(node, ref !== null && inRange(ref) ? ref : end);
      return node;
    },
    appendChild(node) {
      parent.insertBefore(node, end);
      return node;
    },
    removeChild(node) {
      parent.removeChild(node);
      return node;
    },
    contains(node) {
      return nodes().some((child) => child === node || child.contains(node));
    },
  };
}
