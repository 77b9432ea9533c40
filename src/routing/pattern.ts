/**
 * Route patterns and request paths, as Fastify's router (find-my-way) reads them, cut into
 * segments at '/'. The plugin never routes a request itself: Fastify's `findRoute` says whether a
 * route serves a preflight's method and with which params; these shapes only let the route table
 * tell which of the routes the plugin saw that is (docs/behaviour.md §5.2).
 */

/** Router settings that change which path a URL is routed as (Fastify's `routerOptions`). */
export interface RouterSettings {
  readonly ignoreTrailingSlash: boolean
  readonly ignoreDuplicateSlashes: boolean
  readonly caseSensitive: boolean
  readonly useSemicolonDelimiter: boolean
}

const DEFAULT_SETTINGS: RouterSettings = {
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  caseSensitive: true,
  useSemicolonDelimiter: false
}

const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as Array<keyof RouterSettings>

/**
 * The router settings Fastify uses, read from `instance.initialConfig`. Fastify takes a key
 * from `routerOptions` when given there, else from the top-level option, else its default;
 * `initialConfig` fills defaults in both places, so a non-default value in `routerOptions`
 * wins, and otherwise the top-level value is the one in force (docs/behaviour.md §5.3).
 */
export function routerSettings (initialConfig: object): RouterSettings {
  const top = initialConfig as Record<string, unknown>
  const nested = (top.routerOptions ?? {}) as Record<string, unknown>
  const settings: Record<string, boolean> = {}
  for (const key of SETTING_KEYS) {
    const fallback = DEFAULT_SETTINGS[key]
    const fromNested = nested[key]
    const fromTop = top[key]
    if (typeof fromNested === 'boolean' && fromNested !== fallback) settings[key] = fromNested
    else settings[key] = typeof fromTop === 'boolean' ? fromTop : fallback
  }
  return settings as unknown as RouterSettings
}

/**
 * One segment of a route pattern, between two slashes: static text, parameters with the static
 * text around them (`:file.:ext` is statics ['', '.', ''] around names ['file', 'ext']), or a
 * wildcard that takes the rest of the path after `prefix` (the rest starting with its slash:
 * `/files/*` has prefix '/', `/api*` '/api', the root catch-all `*` '': its value keeps the slash).
 */
export type PatternSegment =
  | { readonly kind: 'static', readonly text: string }
  | { readonly kind: 'params', readonly key: string, readonly statics: readonly string[], readonly names: readonly string[], readonly matcher: RegExp }
  | { readonly kind: 'wildcard', readonly prefix: string }

const COLON = 58
const SLASH = 47
const STAR = 42
const OPEN = 40
const CLOSE = 41
const BACKSLASH = 92
const DASH = 45
const DOT = 46

// A trailing optional parameter (`/:id?`) stands for two routes, as in find-my-way.
const OPTIONAL_PARAM = /(\/:[^/()]*?)\?(\/?)/

/**
 * The shapes a route URL stands for once the router settings are applied: one, or two for a
 * trailing optional parameter (`/items/:id?` is `/items/:id` and `/items`). Fastify serves the
 * root catch-all `*` as `/*`, its value holding the leading slash. Segments already read are
 * taken from `known` (routes share their `:id` segment and its RegExp: memory at 10,000 routes).
 */
export function routeShapes (url: string, settings: RouterSettings, known = new Map<string, PatternSegment>()): PatternSegment[][] {
  const optional = OPTIONAL_PARAM.exec(url)
  if (optional !== null && optional.index + optional[0].length === url.length) {
    return [...routeShapes(url.replace(OPTIONAL_PARAM, '$1$2'), settings, known), ...routeShapes(url.replace(OPTIONAL_PARAM, '$2') || '/', settings, known)]
  }
  if (url.charCodeAt(0) !== SLASH) return [[{ kind: 'wildcard', prefix: '' }]]
  let path = url
  if (settings.ignoreDuplicateSlashes) path = collapseSlashes(path)
  if (settings.ignoreTrailingSlash) path = trimLastSlash(path)
  return [splitPattern(path).map((text) => {
    let segment = known.get(text)
    if (segment === undefined) known.set(text, segment = parseSegment(text, settings.caseSensitive))
    return segment
  })]
}

/** The pattern's segments after the leading slash, cut at slashes that are not inside a parameter's RegExp. */
function splitPattern (path: string): string[] {
  const segments: string[] = []
  let start = 1
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === OPEN) i = closingParenthesis(path, i)
    else if (c === SLASH) {
      segments.push(path.slice(start, i))
      start = i + 1
    }
  }
  segments.push(path.slice(start))
  return segments
}

/** find-my-way's syntax within a segment: `::` is a colon, `:name`, `:name(regex)`, `-` or `.` between parameters, `*` last. */
function parseSegment (segment: string, caseSensitive: boolean): PatternSegment {
  const fold = (text: string): string => {
    const unescaped = text.includes('::') ? text.replaceAll('::', ':') : text
    return caseSensitive ? unescaped : unescaped.toLowerCase()
  }
  const statics: string[] = []
  const names: string[] = []
  const parts: string[] = []
  let start = 0
  for (let i = 0; i < segment.length;) {
    const c = segment.charCodeAt(i)
    if (c === COLON && segment.charCodeAt(i + 1) === COLON) {
      i += 2
    } else if (c === COLON) {
      statics.push(fold(segment.slice(start, i)))
      let end = i + 1
      while (end < segment.length && !isNameEnd(segment.charCodeAt(end))) end++
      names.push(segment.slice(i + 1, end))
      let part = '(.*)'
      if (segment.charCodeAt(end) === OPEN) {
        const close = closingParenthesis(segment, end)
        part = `(?:${trimAnchors(segment.slice(end, close + 1))})`
        end = close + 1
      }
      parts.push(escape(statics[statics.length - 1]), part)
      i = start = end
    } else if (c === STAR) {
      return { kind: 'wildcard', prefix: `/${fold(segment.slice(start, i))}` }
    } else {
      i++
    }
  }
  if (names.length === 0) return { kind: 'static', text: fold(segment) }
  statics.push(fold(segment.slice(start)))
  parts.push(escape(statics[statics.length - 1]))
  return { kind: 'params', key: segment, statics, names, matcher: compileMatcher(parts.join(''), caseSensitive) }
}

/** What a parameter segment can match, for routes the preflight cannot tell apart (more, never less, than the router). */
function compileMatcher (source: string, caseSensitive: boolean): RegExp {
  try {
    return new RegExp(`^${source}$`, caseSensitive ? '' : 'i')
  } catch {
    // A RegExp Fastify refuses itself: never reached, but never a throw here.
    return /^.*$/
  }
}

function escape (text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/** A parameter name ends at `(`, `-`, `.`, `/` (find-my-way). */
function isNameEnd (c: number): boolean {
  return c === OPEN || c === DASH || c === DOT || c === SLASH
}

/** The index of the `)` closing the `(` at `open`, with nesting and escapes, as find-my-way reads it. */
function closingParenthesis (path: string, open: number): number {
  let depth = 0
  for (let i = open; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === BACKSLASH) i++
    else if (c === OPEN) depth++
    else if (c === CLOSE && --depth === 0) return i
  }
  return path.length - 1
}

/** `(^\d+$)` → `(\d+)`: find-my-way anchors the regex of a parameter itself. */
function trimAnchors (regex: string): string {
  let out = regex
  if (out.charCodeAt(1) === 94) out = out[0] + out.slice(2)
  if (out.charCodeAt(out.length - 2) === 36) out = out.slice(0, -2) + out[out.length - 1]
  return out
}

function collapseSlashes (path: string): string {
  return path.includes('//') ? path.replace(/\/\/+/g, '/') : path
}

function trimLastSlash (path: string): string {
  return path.length > 1 && path.charCodeAt(path.length - 1) === SLASH ? path.slice(0, -1) : path
}

/**
 * The request's path as Fastify's router compares it with routes, cut into segments: the query
 * (and, with `useSemicolonDelimiter`, what follows `;`) cut off, duplicate slashes collapsed and
 * one trailing slash dropped when the settings say so, then each segment percent-decoded (as
 * parameter values are: `%2F` stays inside its segment) and lower-cased unless `caseSensitive`.
 * Null when the router could not read it either (it answers 400 and runs no handler).
 */
export function requestSegments (url: string, settings: RouterSettings): string[] | null {
  let path = url
  if (path.charCodeAt(0) !== SLASH) {
    const fromAbsolute = pathOfAbsoluteUrl(path)
    if (fromAbsolute === null) return null
    path = fromAbsolute
  }
  path = path.slice(0, endOfPath(path, settings.useSemicolonDelimiter))
  if (settings.ignoreDuplicateSlashes) path = collapseSlashes(path)
  if (settings.ignoreTrailingSlash) path = trimLastSlash(path)
  const segments = path.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    let segment = segments[i]
    if (segment.includes('%')) {
      try {
        segment = decodeURIComponent(segment)
      } catch {
        return null
      }
    }
    segments[i] = settings.caseSensitive ? segment : segment.toLowerCase()
  }
  return segments
}

/**
 * The path of an origin-form request target as the router compares it with static routes, when
 * it needs no percent-decoding (the common case): query cut off, slashes and case as the
 * settings say. Null otherwise; `requestSegments` reads those.
 */
export function plainPath (url: string, settings: RouterSettings): string | null {
  if (url.charCodeAt(0) !== SLASH) return null
  let path = url.slice(0, endOfPath(url, settings.useSemicolonDelimiter))
  if (path.includes('%')) return null
  if (settings.ignoreDuplicateSlashes) path = collapseSlashes(path)
  if (settings.ignoreTrailingSlash) path = trimLastSlash(path)
  return settings.caseSensitive ? path : path.toLowerCase()
}

/** Where the path of a request target ends: at `?`, `#` or (with the option) `;`, after the first character. */
function endOfPath (path: string, semicolon: boolean): number {
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 63 || c === 35 || (semicolon && c === 59)) return i
  }
  return path.length
}

/** `http://host/a?b` → `/a?b`, as the router reads an absolute-form request target; null when it is not one. */
function pathOfAbsoluteUrl (url: string): string | null {
  const parsed = URL.canParse(url) ? new URL(url) : null
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '') return null
  const afterAuthority = url.indexOf('/', url.indexOf('://') + 3)
  const query = url.indexOf('?', url.indexOf('://') + 3)
  if (afterAuthority === -1 || (query !== -1 && query < afterAuthority)) return query === -1 ? '/' : `/${url.slice(query)}`
  return url.slice(afterAuthority)
}
