// A dictionary-mode object (no prototype, created by Object.create(null)): its property keys
// are internalized, and adding or deleting them creates no hidden classes. An object literal
// such as `{ [text]: true }` would instead add one map transition per distinct text to a map
// that V8 shares with other literals; after a few hundred origins, object literals with
// computed keys all over the process (Node's process.nextTick among them) fell back to V8's
// runtime, and every request got ~18% slower (the 1,000-origin benchmark).
const keys: Record<string, true> = Object.create(null)

/**
 * The same text as a flat, internalized string. Strings built at registration (URL.origin,
 * template literals, concatenation) are often rope ("cons") strings, and V8 compares a rope
 * with a request's header value in its C++ runtime, on every request. A property key is
 * flattened and internalized once, so Set and Map lookups stay in V8's fast code.
 */
export function internalize (text: string): string {
  keys[text] = true
  const key = Object.keys(keys)[0]
  delete keys[text]
  return key
}
