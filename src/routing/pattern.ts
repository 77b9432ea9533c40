// Route patterns and request paths as Fastify's router (find-my-way) reads them, cut at '/'. The
// plugin never routes: `findRoute` does; these only tell which route the plugin saw it found (§5.2).

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
 * The router settings in force, from `instance.initialConfig` (§5.3): Fastify takes a key from
 * `routerOptions`, else the top level, else its default; `initialConfig` fills defaults in both
 * places, so a non-default value in `routerOptions` wins, else the top-level value.
 */
export function routerSettings (initialConfig: object): RouterSettings {
  const top = initialConfig as Record<string, unknown>
  const nested = (top.routerOptions ?? {}) as Record<string, unknown>
  const inForce = (key: keyof RouterSettings, fallback: boolean): boolean => {
    if (typeof nested[key] === 'boolean' && nested[key] !== fallback) return nested[key] as boolean
    return typeof top[key] === 'boolean' ? top[key] as boolean : fallback
  }
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, inForce(key, DEFAULT_SETTINGS[key])])) as unknown as RouterSettings
}

/**
 * One segment of a route pattern: static text, parameters with the text around them (`:file.:ext`
 * is statics ['', '.', ''] around names ['file', 'ext']), or a wildcard taking the rest of the path
 * after `prefix` (`/files/*` '/', `/api*` '/api', the root catch-all `*` '': its value keeps the slash).
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
 * The shapes a route URL stands for under the router settings: one, or two for a trailing optional
 * parameter (`/items/:id?` is `/items/:id` and `/items`). Segments already read come from `known`
 * (routes share their `:id` segment and its RegExp: memory at 10,000 routes).
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

/** Runs of slashes as one (`ignoreDuplicateSlashes`). */
export function collapseSlashes (path: string): string {
  return path.includes('//') ? path.replace(/\/\/+/g, '/') : path
}

function trimLastSlash (path: string): string {
  return path.length > 1 && path.charCodeAt(path.length - 1) === SLASH ? path.slice(0, -1) : path
}

/**
 * The request's path in segments, as the router compares it with routes: query (and with
 * `useSemicolonDelimiter` what follows `;`) cut off, slashes as the settings say, each segment
 * percent-decoded (`%2F` stays inside it) and folded unless `caseSensitive` (or `fold` is false); null when unreadable.
 */
export function requestSegments (url: string, settings: RouterSettings, fold = !settings.caseSensitive): string[] | null {
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
    segments[i] = fold ? segment.toLowerCase() : segment
  }
  return segments
}

/** The path of an origin-form target without percent-escapes (the common case), as `requestSegments` reads it but whole; else null. */
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
