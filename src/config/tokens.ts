// HTTP token grammar (RFC 9110 5.6.2), used for method and header names.
// tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~, as a table indexed by char code.
const TCHAR = new Uint8Array(128)
for (const char of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[char.charCodeAt(0)] = 1

function isTchar (code: number): boolean {
  return code < 128 && TCHAR[code] === 1
}

/** Safelisted methods pass a browser's check whatever Access-Control-Allow-Methods says (Fetch, CORS-preflight fetch). */
export const SAFELISTED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST'])

/** Methods a browser may never send cross-origin (Fetch "forbidden method"). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/** Methods a browser upper-cases before comparing (Fetch "normalize a method"). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'])

/** `1*tchar`. */
export function isToken (value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!isTchar(value.charCodeAt(i))) return false
  return value.length > 0
}

const IN_TOKEN = 1
const AFTER_TOKEN = 2 // whitespace after a token, before its comma
const AFTER_COMMA = 3

/**
 * A request's Access-Control-Request-Headers is reflected only when it is a plain
 * comma-separated list of tokens (`token *( OWS "," OWS token )`, no empty items, no
 * leading or trailing whitespace). One pass over the characters, no allocation, so a
 * 15 KiB header costs one linear scan (docs/behaviour.md §3.11).
 */
export function isTokenList (value: string): boolean {
  let state = 0
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (isTchar(code)) {
      if (state === AFTER_TOKEN) return false
      state = IN_TOKEN
    } else if (code === 44) { // ','
      if (state !== IN_TOKEN && state !== AFTER_TOKEN) return false
      state = AFTER_COMMA
    } else if (code === 32 || code === 9) { // OWS
      if (state === 0) return false
      if (state === IN_TOKEN) state = AFTER_TOKEN
    } else {
      return false
    }
  }
  return state === IN_TOKEN
}

/**
 * A requested header list as it may be reflected (docs/behaviour.md §3.5): the value itself
 * when it is a clean token list, else its tokens joined with `,` when the only flaw is empty
 * elements (`x-a,,x-b`, a trailing comma; RFC 9110 §5.6.1 says to ignore them), else null.
 * `''` when it has no element at all.
 */
export function reflectableHeaderList (value: string): string | null {
  if (isTokenList(value)) return value
  const names = splitList(value)
  return names.every(isToken) ? names.join(',') : null
}

/** Splits `'a, b'` or `['a', 'b']` into trimmed, non-empty items. */
export function splitList (value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? value.split(',') : value).map((item) => item.trim()).filter((item) => item !== '')
}

export interface ListCheck {
  readonly items: string[]
  readonly problems: string[]
  /**
   * The header value, serialized as @fastify/cors does (docs/behaviour.md §2.2): a string option
   * as given (method names normalized in place), an array joined with `', '`.
   */
  readonly header: string
}

function serialize (value: string | readonly string[], items: readonly string[], normalize: (item: string) => string): string {
  if (typeof value !== 'string') return items.join(', ')
  return value.split(',').map((segment) => {
    const item = segment.trim()
    return item === '' ? segment : segment.replace(item, normalize(item))
  }).join(',')
}

/** Validates a header-name list; `'*'` is accepted here and judged against credentials later. */
export function checkHeaderNames (value: string | readonly string[]): ListCheck {
  const items = splitList(value)
  const problems: string[] = []
  for (const item of items) {
    if (!isToken(item)) problems.push(`${JSON.stringify(item)} is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only)`)
  }
  return { items, problems, header: serialize(value, items, (item) => item) }
}

/**
 * Validates a method list. Well-known names are upper-cased because browsers compare
 * Access-Control-Allow-Methods byte for byte after normalizing their own method.
 */
export function checkMethods (value: string | readonly string[]): ListCheck {
  const items: string[] = []
  const problems: string[] = []
  for (const item of splitList(value)) {
    const upper = item.toUpperCase()
    if (!isToken(item)) {
      problems.push(`${JSON.stringify(item)} is not a valid method name`)
    } else if (FORBIDDEN_METHODS.has(upper)) {
      problems.push(`${upper} can never be sent by a browser cross-origin (a forbidden method in the Fetch standard); remove it`)
    } else {
      items.push(normalizeMethod(item))
    }
  }
  return { items, problems, header: serialize(value, items, normalizeMethod) }
}

function normalizeMethod (method: string): string {
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

// What Node accepts in a header value; anything else would throw on every request.
const HEADER_VALUE = /^[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$/

/** A non-empty header value without control characters or surrounding spaces. */
export function isHeaderValue (value: string): boolean {
  return HEADER_VALUE.test(value)
}
