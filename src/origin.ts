import type { ConfigIssue } from './errors.js'
import type { OriginFunction, StaticOrigin } from './schema.js'
import { internalize } from './strings.js'

/**
 * How a policy decides on the request's Origin, picked once from the option's shape.
 * `fixed` keeps @fastify/cors semantics: the configured origin is sent as-is (SPEC 2.1).
 */
export type OriginRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'fixed', readonly value: string }
  | { readonly kind: 'reflect' }
  | { readonly kind: 'match', readonly matches: (origin: string) => boolean }
  | { readonly kind: 'dynamic', readonly fn: OriginFunction }

/** Every rule except `dynamic`: what a static option, or an origin function's result, compiles to. */
export type StaticRule = Exclude<OriginRule, { kind: 'dynamic' }>

/** Longer Origin values are never matched or reflected: bounded work per request (SPEC 3.10). */
export const MAX_ORIGIN_LENGTH = 512

// A serialized origin as browsers send it: lower-case scheme and host, optional port.
const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9._~-]+|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/

/** True when `origin` is a well-formed serialized origin that may be reflected. */
export function isReflectable (origin: string): boolean {
  return origin.length <= MAX_ORIGIN_LENGTH && SERIALIZED_ORIGIN.test(origin)
}

const NOT_ALLOWED = { kind: 'none' } as const

/** A wildcard pattern compiled for lookup by host suffix. */
interface Pattern {
  /** `'https://'`: the scheme the origin must start with. */
  readonly prefix: string
  /** `''` for the scheme's default port, `':8080'` for a fixed one, `null` for any port. */
  readonly portSuffix: string | null
}

type Parsed =
  | { readonly kind: 'exact', readonly origin: string }
  | { readonly kind: 'subdomains', readonly base: string, readonly pattern: Pattern }
  | { readonly kind: 'anyPort', readonly origin: string }
  | { readonly kind: 'error', readonly message: string }

const ORIGIN_HINT = "an origin is scheme://host[:port] only, e.g. 'https://app.example.com'"

/**
 * Normalizes a configured origin or wildcard pattern (SPEC 2.1): scheme and host
 * lower-cased, default port and one trailing slash dropped, IDN to punycode. What it
 * returns is internalized: requests' Origin values are compared with it.
 */
export function parseConfiguredOrigin (raw: string): Parsed {
  if (raw === 'null') return { kind: 'exact', origin: 'null' }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)
  if (scheme === null) return { kind: 'error', message: `${JSON.stringify(raw)} is not an origin; ${ORIGIN_HINT}` }
  const protocol = scheme[1].toLowerCase()
  if (protocol !== 'http' && protocol !== 'https') {
    return { kind: 'error', message: `${JSON.stringify(raw)} has the scheme '${protocol}:'; only http and https origins (or 'null') can be listed, use a RegExp for other schemes` }
  }
  let rest = raw.slice(scheme[0].length)
  const end = rest.search(/[/?#]/)
  if (end !== -1) {
    if (rest.slice(end) !== '/') {
      return { kind: 'error', message: `${JSON.stringify(raw)} has a path, query or fragment (${JSON.stringify(rest.slice(end))}); ${ORIGIN_HINT}` }
    }
    rest = rest.slice(0, end)
  }
  if (rest.includes('@')) return { kind: 'error', message: `${JSON.stringify(raw)} contains user info ('@'); ${ORIGIN_HINT}` }

  let anyPort = false
  if (rest.endsWith(':*')) {
    anyPort = true
    rest = rest.slice(0, -2)
  }
  let subdomains = false
  if (rest.startsWith('*.')) {
    subdomains = true
    rest = rest.slice(2)
  }
  if (rest.includes('*')) {
    return { kind: 'error', message: `${JSON.stringify(raw)} has '*' in an unsupported place; a wildcard may only be the first label ('https://*.example.com') or the port ('http://localhost:*')` }
  }

  let url: URL
  try {
    url = new URL(`${protocol}://${rest}`)
  } catch {
    return { kind: 'error', message: `${JSON.stringify(raw)} does not have a valid host; ${ORIGIN_HINT}` }
  }
  if (anyPort && url.port !== '') {
    return { kind: 'error', message: `${JSON.stringify(raw)} names two ports` }
  }
  const prefix = internalize(`${protocol}://`)
  if (subdomains) {
    const base = internalize(url.hostname)
    if (!base.includes('.') && base !== 'localhost') {
      return { kind: 'error', message: `${JSON.stringify(raw)} would match every site under '.${base}'; name a registrable domain such as 'https://*.example.com'` }
    }
    return { kind: 'subdomains', base, pattern: { prefix, portSuffix: anyPort ? null : url.port === '' ? '' : internalize(`:${url.port}`) } }
  }
  return { kind: anyPort ? 'anyPort' : 'exact', origin: internalize(url.origin) }
}

/** The first issue found when an origin list is compiled, or the compiled rule. */
export interface OriginCompilation {
  readonly rule: StaticRule
  readonly issues: ConfigIssue[]
  readonly warnings: string[]
}

/** Compiles any static origin form (SPEC 2.1) into a rule; `path` names the option in messages. */
export function compileStaticOrigin (value: StaticOrigin, path: string): OriginCompilation {
  const issues: ConfigIssue[] = []
  const warnings: string[] = []
  if (value === false) return { rule: NOT_ALLOWED, issues, warnings }
  if (value === true) return { rule: { kind: 'reflect' }, issues, warnings }
  if (value === '*') return { rule: { kind: 'any' }, issues, warnings }
  if (typeof value === 'string') {
    const parsed = parseConfiguredOrigin(value)
    if (parsed.kind === 'exact') return { rule: { kind: 'fixed', value: parsed.origin }, issues, warnings }
  }

  const exact = new Set<string>()
  const anyPort = new Set<string>()
  const patterns = new Map<string, Pattern[]>()
  const regexps: RegExp[] = []
  let any = false
  let count = 0

  const add = (item: unknown, itemPath: string): void => {
    if (Array.isArray(item)) {
      item.forEach((inner, index) => add(inner, `${itemPath}[${index}]`))
      return
    }
    count++
    if (item instanceof RegExp) {
      regexps.push(stripStatefulFlags(item))
      if (!item.source.startsWith('^') || !item.source.endsWith('$')) {
        warnings.push(`${itemPath}: the RegExp ${String(item)} is not anchored with ^...$, so it also matches origins that merely contain the text (e.g. 'https://example.com.evil.test'); anchor it`)
      }
      return
    }
    const text = item as string
    if (text === '*') {
      any = true
      return
    }
    const parsed = parseConfiguredOrigin(text)
    switch (parsed.kind) {
      case 'error':
        issues.push({ path: itemPath, message: parsed.message })
        break
      case 'exact':
        exact.add(parsed.origin)
        break
      case 'anyPort':
        anyPort.add(parsed.origin)
        break
      case 'subdomains': {
        const list = patterns.get(parsed.base)
        if (list === undefined) patterns.set(parsed.base, [parsed.pattern])
        else list.push(parsed.pattern)
      }
    }
  }
  add(value, path)

  if (count === 0) {
    issues.push({ path, message: 'an empty list allows no origin; use origin: false to disable CORS, or list the allowed origins' })
  }
  if (any) return { rule: { kind: 'any' }, issues, warnings }
  return { rule: { kind: 'match', matches: buildMatcher(exact, anyPort, patterns, regexps) }, issues, warnings }
}

/** `g` and `y` make `test()` stateful, so results would alternate between requests. */
function stripStatefulFlags (re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re
}

/**
 * One closure for the whole list: a Set lookup for exact origins, then the wildcard
 * index (looked up by host suffix, so its cost does not grow with the number of patterns),
 * then the RegExps in order.
 */
function buildMatcher (
  exact: ReadonlySet<string>,
  anyPort: ReadonlySet<string>,
  patterns: ReadonlyMap<string, readonly Pattern[]>,
  regexps: readonly RegExp[]
): (origin: string) => boolean {
  const hasPatterns = patterns.size > 0 || anyPort.size > 0
  // A plain list needs nothing but the Set: a miss costs no well-formedness check.
  if (!hasPatterns && regexps.length === 0) return (origin) => exact.has(origin)
  return function matchesOrigin (origin: string): boolean {
    if (exact.has(origin)) return true
    // Only well-formed origins reach patterns and RegExps: junk such as two origins joined by a comma never matches.
    if (!isReflectable(origin)) return false
    if (hasPatterns && matchesPattern(origin, anyPort, patterns)) return true
    for (let i = 0; i < regexps.length; i++) {
      if (regexps[i].test(origin)) return true
    }
    return false
  }
}

const CHAR_DOT = 46
const CHAR_BRACKET = 91

/** Matches `origin` against port wildcards and subdomain patterns without building arrays. */
function matchesPattern (
  origin: string,
  anyPort: ReadonlySet<string>,
  patterns: ReadonlyMap<string, readonly Pattern[]>
): boolean {
  const hostStart = origin.indexOf('://') + 3
  if (origin.charCodeAt(hostStart) === CHAR_BRACKET) return false // IPv6 literals have no subdomains
  const colon = origin.indexOf(':', hostStart)
  const hostEnd = colon === -1 ? origin.length : colon
  if (colon !== -1 && anyPort.has(origin.slice(0, colon))) return true
  // Try each proper suffix of the host that starts after a dot: 'a.b.example.com' → 'b.example.com', 'example.com', 'com'.
  for (let dot = origin.indexOf('.', hostStart); dot !== -1 && dot < hostEnd; dot = origin.indexOf('.', dot + 1)) {
    if (dot === hostStart || origin.charCodeAt(dot - 1) === CHAR_DOT) return false // empty label
    const list = patterns.get(origin.slice(dot + 1, hostEnd))
    if (list === undefined) continue
    for (let i = 0; i < list.length; i++) {
      const pattern = list[i]
      if (pattern.prefix.length !== hostStart || !origin.startsWith(pattern.prefix)) continue
      if (pattern.portSuffix === null) return true
      if (pattern.portSuffix === '' ? colon === -1 : origin.length - hostEnd === pattern.portSuffix.length && origin.endsWith(pattern.portSuffix)) return true
    }
  }
  return false
}
