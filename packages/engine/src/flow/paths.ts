/**
 * Dotted paths into plain JSON values: `order.items[0].name`. Used by `{{…}}` placeholders, `set`
 * assignments and the `http` node's response mapping. No code is ever evaluated.
 */

const cache = new Map<string, Array<string | number>>();

/** Splits `a.b[0].c` into `['a', 'b', 0, 'c']`. Returns null for a malformed path. */
export function parsePath(path: string): Array<string | number> | null {
  const cached = cache.get(path);
  if (cached) return cached;
  const segments: Array<string | number> = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) return null;
    const [, name, indexes] = match;
    if (name) segments.push(name);
    else if (!indexes) return null;
    for (const index of indexes!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  if (segments.length === 0) return null;
  if (cache.size > 10_000) cache.clear();
  cache.set(path, segments);
  return segments;
}

/**
 * Reads a path; undefined when any step is missing.
 *
 * @example
 * readPath({ order: { items: [{ name: 'Margherita' }] } }, 'order.items[0].name'); // 'Margherita'
 */
export function readPath(root: unknown, path: string): unknown {
  const segments = parsePath(path.trim());
  if (!segments) return undefined;
  let value: unknown = root;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** Returns a copy of `root` with the path set (creating objects on the way); never mutates. */
export function writePath(
  root: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const segments = parsePath(path.trim());
  if (!segments || segments.some((segment) => typeof segment === 'string' && forbidden.has(segment)))
    return root;
  return writeSegments(root, segments, value) as Record<string, unknown>;
}

/** Returns a copy of `root` without the path. */
export function deletePath(root: Record<string, unknown>, path: string): Record<string, unknown> {
  const segments = parsePath(path.trim());
  if (!segments) return root;
  let parent: unknown = root;
  for (const segment of segments.slice(0, -1)) {
    parent =
      parent !== null && typeof parent === 'object'
        ? (parent as Record<string | number, unknown>)[segment]
        : undefined;
  }
  const last = segments[segments.length - 1]!;
  if (parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, last)) return root;
  let copy: unknown;
  if (Array.isArray(parent)) copy = parent.filter((_item, index) => index !== last);
  else {
    const { [last]: _removed, ...rest } = parent as Record<string | number, unknown>;
    copy = rest;
  }
  return segments.length === 1
    ? (copy as Record<string, unknown>)
    : (writeSegments(root, segments.slice(0, -1), copy) as Record<string, unknown>);
}

const forbidden = new Set(['__proto__', 'prototype', 'constructor']);

function writeSegments(node: unknown, segments: Array<string | number>, value: unknown): unknown {
  if (segments.length === 0) return value;
  const [segment, ...rest] = segments as [string | number, ...Array<string | number>];
  const copy = (
    Array.isArray(node)
      ? [...node]
      : node !== null && typeof node === 'object'
        ? { ...(node as Record<string, unknown>) }
        : typeof segment === 'number'
          ? []
          : {}
  ) as Record<string | number, unknown>;
  copy[segment] = writeSegments(copy[segment], rest, value);
  return copy;
}
