/**
 * The same text as a flat, internalized string. Strings built at registration (URL.origin,
 * template literals, concatenation) are often rope ("cons") strings, and V8 compares a rope
 * with a request's header value in its C++ runtime, on every request. A property key is
 * flattened and internalized once, so Set and Map lookups stay in V8's fast code.
 */
export function internalize (text: string): string {
  return Object.keys({ [text]: true })[0]
}
