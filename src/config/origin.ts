import type { ConfigIssue, ConfigWarning, StaticRule } from './compiled.js'
import type { StaticOrigin } from './types.js'

/** Longer Origin values are never matched or reflected: bounded work per request (docs/behaviour.md §3.11). */
export const MAX_ORIGIN_LENGTH = 512

const CHAR_PLUS = 43
const CHAR_DASH = 45
const CHAR_DOT = 46
const CHAR_SLASH = 47
const CHAR_0 = 48
const CHAR_9 = 57
const CHAR_COLON = 58
const CHAR_BRACKET_OPEN = 91
const CHAR_BRACKET_CLOSE = 93
const CHAR_UNDERSCORE = 95
const CHAR_A = 97
const CHAR_F = 102
const CHAR_Z = 122
const CHAR_TILDE = 126

const isLowerAlpha = (c: number): boolean => c >= CHAR_A && c <= CHAR_Z
const isDigit = (c: number): boolean => c >= CHAR_0 && c <= CHAR_9
/** A character of a registered-name host as browsers serialize it: `[a-z0-9._~-]`. */
const isHostChar = (c: number): boolean =>
  isLowerAlpha(c) || isDigit(c) || c === CHAR_DOT || c === CHAR_DASH || c === CHAR_UNDERSCORE || c === CHAR_TILDE

// A serialized origin as browsers send it: `[a-z][a-z0-9+.-]*://` then a host of `[a-z0-9._~-]`
// or `[` IPv6 `]`, then `:` and 1 to 5 digits; each piece is one pass that allocates nothing.

/** Where the host starts (after `://`), or -1 when the scheme is not well-formed. */
function hostStartOf (origin: string): number {
  if (origin.length > MAX_ORIGIN_LENGTH || !isLowerAlpha(origin.charCodeAt(0))) return -1
  let i = 1
  for (; i < origin.length; i++) {
    const c = origin.charCodeAt(i)
    if (c === CHAR_COLON) break
    if (!isLowerAlpha(c) && !isDigit(c) && c !== CHAR_PLUS && c !== CHAR_DASH && c !== CHAR_DOT) return -1
  }
  return origin.charCodeAt(i + 1) === CHAR_SLASH && origin.charCodeAt(i + 2) === CHAR_SLASH ? i + 3 : -1
}

/** Where the host ends: at a trailing port's colon, else the end; -1 for a port browsers never send (0, leading zero, default port; §2.1). */
function hostEndOf (origin: string, start: number): number {
  let i = origin.length - 1
  while (i >= start && isDigit(origin.charCodeAt(i))) i--
  const digits = origin.length - 1 - i
  if (digits === 0 || i <= start || origin.charCodeAt(i) !== CHAR_COLON) return origin.length
  if (digits > 5 || origin.charCodeAt(i + 1) === CHAR_0) return -1
  const port = Number(origin.slice(i + 1))
  if (port > 65535 || port === defaultPortOf(origin, start)) return -1
  return i
}

/** 80 for `http://`, 443 for `https://`, 0 for other schemes (`start` is where the host starts). */
function defaultPortOf (origin: string, start: number): number {
  if (start === 7 && origin.startsWith('http://')) return 80
  if (start === 8 && origin.startsWith('https://')) return 443
  return 0
}

/** True when `start`..`end` is `[` IPv6 characters `]`. */
function isIpv6Host (origin: string, start: number, end: number): boolean {
  if (end - start < 3 || origin.charCodeAt(end - 1) !== CHAR_BRACKET_CLOSE) return false
  for (let i = start + 1; i < end - 1; i++) {
    const c = origin.charCodeAt(i)
    if (!isDigit(c) && !(c >= CHAR_A && c <= CHAR_F) && c !== CHAR_COLON && c !== CHAR_DOT) return false
  }
  return true
}

/** True when `start`..`end` is a non-empty run of registered-name characters. */
function isNameHost (origin: string, start: number, end: number): boolean {
  if (end === start) return false
  for (let i = start; i < end; i++) {
    if (!isHostChar(origin.charCodeAt(i))) return false
  }
  return true
}

/** True when a wildcard's host can be in an Origin: name characters in non-empty labels (the matcher relies on it). */
function isPatternHost (host: string): boolean {
  return isNameHost(host, 0, host.length) && host.charCodeAt(0) !== CHAR_DOT && !host.includes('..')
}

/** True when `origin` is a well-formed serialized origin that may be reflected (docs/behaviour.md §2.1). */
export function isReflectable (origin: string): boolean {
  const start = hostStartOf(origin)
  if (start === -1) return false
  const end = hostEndOf(origin, start)
  if (end === -1) return false
  return origin.charCodeAt(start) === CHAR_BRACKET_OPEN ? isIpv6Host(origin, start, end) : isNameHost(origin, start, end)
}

/** The rules `false` and `true` compile to, shared by static options and origin function results. */
export const NOT_ALLOWED: StaticRule = { kind: 'none' }
export const REFLECT_ORIGIN: StaticRule = { kind: 'reflect' }

/** A wildcard pattern, looked up by host suffix: the origin starts with `prefix` (`'https://'`); `portSuffix` '' (default port), ':8080', or null (any). */
interface Pattern { readonly prefix: string, readonly portSuffix: string | null }

type Parsed =
  | { readonly kind: 'exact', readonly origin: string }
  | { readonly kind: 'subdomains', readonly base: string, readonly pattern: Pattern }
  | { readonly kind: 'anyPort', readonly origin: string }
  | { readonly kind: 'error', readonly message: string }

const ORIGIN_HINT = "an origin is scheme://host[:port] only, e.g. 'https://app.example.com'"

/** Normalizes a configured origin or wildcard pattern (§2.1): scheme and host lower-cased, default port and a trailing slash dropped, IDN to punycode. */
export function parseConfiguredOrigin (raw: string): Parsed {
  if (raw === 'null') return { kind: 'exact', origin: 'null' }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)
  if (scheme === null) {
    // A host without its scheme ('app.example.com', 'localhost:3000'): name the origin it likely means, http for a loopback host.
    const likely = `${/^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(raw) ? 'http' : 'https'}://${raw}`
    return { kind: 'error', message: `${JSON.stringify(raw)} is not an origin; ${parseConfiguredOrigin(likely).kind === 'error' ? ORIGIN_HINT : `did you mean '${likely}'?`}` }
  }
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
  if ((subdomains || anyPort) && !url.hostname.startsWith('[') && !isPatternHost(url.hostname)) {
    return { kind: 'error', message: `${JSON.stringify(raw)} would never match: browsers send hosts of letters, digits, '.', '-', '_' and '~' in non-empty labels (${JSON.stringify(url.hostname)} is not one)` }
  }
  const prefix = `${protocol}://`
  if (subdomains) {
    const base = url.hostname
    if (!base.includes('.') && base !== 'localhost') {
      return { kind: 'error', message: `${JSON.stringify(raw)} would match every site under '.${base}'; name a registrable domain such as 'https://*.example.com'` }
    }
    return { kind: 'subdomains', base, pattern: { prefix, portSuffix: anyPort ? null : url.port === '' ? '' : `:${url.port}` } }
  }
  return { kind: anyPort ? 'anyPort' : 'exact', origin: url.origin }
}

/** Warning codes (docs/behaviour.md §2.5). */
export const UNANCHORED_REGEXP = 'FST_CORS_UNANCHORED_REGEXP'

/** An origin the configuration names, for the checks that depend on other options (§2.4): scheme and host (a pattern's base), or a RegExp. */
export type ListedOrigin =
  | { readonly kind: 'origin', readonly path: string, readonly raw: string, readonly scheme: string, readonly host: string, readonly subdomains: boolean }
  | { readonly kind: 'regexp', readonly path: string, readonly regexp: RegExp }

/** The compiled rule, with every issue and warning found, and what the configuration named. */
export interface OriginCompilation {
  readonly rule: StaticRule
  readonly issues: ConfigIssue[]
  readonly warnings: ConfigWarning[]
  readonly listed: ListedOrigin[]
}

function listedOrigin (path: string, raw: string, parsed: Exclude<Parsed, { kind: 'error' }>): ListedOrigin {
  if (parsed.kind === 'subdomains') return { kind: 'origin', path, raw, scheme: parsed.pattern.prefix.slice(0, -3), host: parsed.base, subdomains: true }
  const url = new URL(parsed.origin)
  return { kind: 'origin', path, raw, scheme: url.protocol.slice(0, -1), host: url.hostname, subdomains: false }
}

/** An origin an unanchored RegExp matches although it only contains the configured text, for the warning; or null. */
export function unanchoredExample (regexp: RegExp): string | null {
  // Text of the kind it matches (classes by a member, optionals kept, escapes undone); only a real match is cited.
  const repeat = (char: string, count: string | undefined): string => char.repeat(count === undefined ? 1 : Math.max(1, Number(count)))
  const text = regexp.source.replace(/^\^/, '').replace(/\$$/, '')
    .replace(/\[(\^?)((?:\\.|[^\]])*)\](?:[+*?]|\{(\d+)(?:,\d*)?\})?/g, (_match, negated: string, members: string, count?: string) => repeat(negated === '' ? members.replace(/^\\/, '').charAt(0) : 'x', count))
    .replace(/\\d(?:[+*]|\{(\d+)(?:,\d*)?\})?/g, (_match, count?: string) => repeat('1', count))
    .replace(/([^\\])\?/g, '$1')
    .replace(/\\(.)/g, '$1')
  const host = text.replace(/^[a-z]+:\/\//, '')
  const candidates = [`${text}.evil.test`, `https://${host}.evil.test`, `http://evil.test${text}`, `https://evil.test${text}`, `http://evil-${host}`, `https://evil-${host}`, `http://${host}`, `${text}0`]
  for (const candidate of candidates) {
    if (isReflectable(candidate) && new RegExp(regexp.source, regexp.flags.replace(/[gy]/g, '')).test(candidate)) return candidate
  }
  return null
}

/** Compiles any static origin form (docs/behaviour.md §2.1) into a rule; `path` names the option in messages. */
export function compileStaticOrigin (value: StaticOrigin, path: string): OriginCompilation {
  const issues: ConfigIssue[] = []
  const warnings: ConfigWarning[] = []
  const listed: ListedOrigin[] = []
  if (value === false) return { rule: NOT_ALLOWED, issues, warnings, listed }
  if (value === true) return { rule: REFLECT_ORIGIN, issues, warnings, listed }
  if (value === '*') return { rule: { kind: 'any' }, issues, warnings, listed }
  if (typeof value === 'string') {
    const parsed = parseConfiguredOrigin(value)
    if (parsed.kind === 'exact') {
      if (parsed.origin !== 'null') listed.push(listedOrigin(path, value, parsed))
      return { rule: { kind: 'fixed', value: parsed.origin }, issues, warnings, listed }
    }
  }

  const exact = new Set<string>()
  const anyPort = new Set<string>()
  const patterns = new Map<string, Pattern[]>()
  const regexps: RegExp[] = []
  const items: string[] = []
  let any = false
  let count = 0

  const add = (item: unknown, itemPath: string): void => {
    if (Array.isArray(item)) {
      item.forEach((inner, index) => add(inner, `${itemPath}[${index}]`))
      return
    }
    count++
    items.push(String(item))
    if (typeof item === 'object' && item !== null && !(item instanceof RegExp)) {
      issues.push({ path: itemPath, message: 'is an object that is not a RegExp; list origin strings, wildcard patterns or RegExps' })
      return
    }
    if (item instanceof RegExp) {
      regexps.push(stripStatefulFlags(item))
      listed.push({ kind: 'regexp', path: itemPath, regexp: item })
      if (!item.source.startsWith('^') || !item.source.endsWith('$')) {
        const example = unanchoredExample(item)
        warnings.push({
          code: UNANCHORED_REGEXP,
          message: `${itemPath}: the RegExp ${String(item)} is not anchored with ^...$, so it also matches origins that merely contain the text${example === null ? '' : ` (it matches '${example}')`}; anchor it`
        })
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
        if (parsed.origin !== 'null') listed.push(listedOrigin(itemPath, text, parsed))
        break
      case 'anyPort':
        anyPort.add(parsed.origin)
        listed.push(listedOrigin(itemPath, text, parsed))
        break
      case 'subdomains': {
        listed.push(listedOrigin(itemPath, text, parsed))
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
  if (any) return { rule: { kind: 'any' }, issues, warnings, listed }
  return { rule: { kind: 'match', matches: buildMatcher(exact, anyPort, patterns, regexps), items }, issues, warnings, listed }
}

/** `g` and `y` make `test()` stateful, so results would alternate between requests. */
function stripStatefulFlags (re: RegExp): RegExp {
  return re.global || re.sticky ? new RegExp(re.source, re.flags.replace(/[gy]/g, '')) : re
}

/**
 * One closure for the list, picked by what it holds: a Set lookup, then the wildcard index (by host
 * suffix: its cost does not grow with the patterns), then the RegExps; only well-formed origins
 * reach patterns and RegExps.
 */
function buildMatcher (
  exact: ReadonlySet<string>,
  anyPort: ReadonlySet<string>,
  patterns: ReadonlyMap<string, readonly Pattern[]>,
  regexps: readonly RegExp[]
): (origin: string) => boolean {
  const hasPatterns = patterns.size > 0 || anyPort.size > 0
  if (!hasPatterns && regexps.length === 0) return (origin) => exact.has(origin)
  if (regexps.length === 0) return (origin) => exact.has(origin) || matchesPattern(origin, anyPort, patterns)
  return function matchesOrigin (origin: string): boolean {
    if (exact.has(origin)) return true
    if (hasPatterns && matchesPattern(origin, anyPort, patterns)) return true
    if (!isReflectable(origin)) return false
    for (const regexp of regexps) {
      if (regexp.test(origin)) return true
    }
    return false
  }
}

/**
 * Matches port wildcards and subdomain patterns in one pass over the host, checking it on the way:
 * each suffix after a dot is looked up; once one is a pattern's base, the rest of the host is that
 * base, which registration checked (isPatternHost).
 */
function matchesPattern (
  origin: string,
  anyPort: ReadonlySet<string>,
  patterns: ReadonlyMap<string, readonly Pattern[]>
): boolean {
  const start = hostStartOf(origin)
  if (start === -1) return false
  const end = hostEndOf(origin, start)
  if (end === -1) return false
  const hasPort = end < origin.length
  if (origin.charCodeAt(start) === CHAR_BRACKET_OPEN) {
    // IPv6 literals have no subdomains; only a port wildcard can match them.
    return hasPort && isIpv6Host(origin, start, end) && anyPort.has(origin.slice(0, end))
  }
  for (let i = start; i < end; i++) {
    const c = origin.charCodeAt(i)
    if (c !== CHAR_DOT) {
      if (!isHostChar(c)) return false
      continue
    }
    if (i === start || origin.charCodeAt(i - 1) === CHAR_DOT) return false // empty label
    if (matchesSuffix(origin, start, i + 1, end, patterns)) return true
  }
  return end > start && hasPort && anyPort.has(origin.slice(0, end))
}

/** True when a pattern over the host suffix `from`..`end` fits the origin's scheme and port. */
function matchesSuffix (origin: string, start: number, from: number, end: number, patterns: ReadonlyMap<string, readonly Pattern[]>): boolean {
  const list = patterns.get(origin.slice(from, end))
  if (list === undefined) return false
  for (let i = 0; i < list.length; i++) {
    const pattern = list[i]
    if (pattern.prefix.length !== start || !origin.startsWith(pattern.prefix)) continue
    if (pattern.portSuffix === null) return true
    if (pattern.portSuffix === '' ? end === origin.length : origin.length - end === pattern.portSuffix.length && origin.endsWith(pattern.portSuffix)) return true
  }
  return false
}

/** Access-Control-Allow-Origin under `rule`, or null; a fixed origin is sent as-is to actual requests (as @fastify/cors does), a preflight must match it (§2.1). */
export function allowOriginFor (rule: StaticRule, origin: string | undefined, preflight: boolean): string | null {
  switch (rule.kind) {
    case 'none':
      return null
    case 'any':
      return '*'
    case 'fixed':
      return preflight && origin !== rule.value ? null : rule.value
    case 'reflect':
      return origin !== undefined && origin !== 'null' && isReflectable(origin) ? origin : null
    case 'match':
      return origin !== undefined && origin.length <= MAX_ORIGIN_LENGTH && rule.matches(origin) ? origin : null
  }
}
