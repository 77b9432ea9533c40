/**
 * Route patterns and request paths, as Fastify's router (find-my-way) reads them. The plugin
 * never routes a request itself: Fastify's `findRoute` says which route serves a preflight's
 * method and with which params; this module only checks which of the routes the plugin saw
 * could be that route, by rendering a route's pattern with those params and comparing it with
 * the request's path (docs/behaviour.md §5.2).
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
 * One route pattern cut into the static text between its parameters: `statics[0]`, then
 * parameter `names[0]`, then `statics[1]`, and so on (`statics` is one longer than `names`).
 * `checks[i]` is the RegExp a parameter declared, tested whole against its value.
 */
export interface Pattern {
  /** The pattern as the router stores it (slashes collapsed or trimmed per the settings). */
  readonly source: string
  readonly statics: readonly string[]
  readonly names: readonly string[]
  readonly checks: ReadonlyArray<RegExp | null> | null
  /** The first path segment when it holds no parameter (the route index is keyed by it), else null. */
  readonly firstSegment: string | null
}

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
 * The patterns a route URL stands for once the router settings are applied: one, or two for
 * a trailing optional parameter (`/items/:id?` is `/items/:id` and `/items`).
 */
export function routePatterns (url: string, settings: RouterSettings): Pattern[] {
  const optional = OPTIONAL_PARAM.exec(url)
  if (optional !== null && optional.index + optional[0].length === url.length) {
    return [
      ...routePatterns(url.replace(OPTIONAL_PARAM, '$1$2'), settings),
      ...routePatterns(url.replace(OPTIONAL_PARAM, '$2') || '/', settings)
    ]
  }
  let path = url
  if (settings.ignoreDuplicateSlashes) path = collapseSlashes(path)
  if (settings.ignoreTrailingSlash) path = trimLastSlash(path)
  return [parsePattern(path, settings.caseSensitive)]
}

/** find-my-way's pattern syntax: `::` is a colon, `:name`, `:name(regex)`, `-` or `.` between parameters, `*` last. */
function parsePattern (path: string, caseSensitive: boolean): Pattern {
  const statics: string[] = []
  const names: string[] = []
  const checks: Array<RegExp | null> = []
  // Static text runs from `start` to the next parameter; it is sliced, never built char by char.
  let start = 0
  let i = 0
  while (i < path.length) {
    const c = path.charCodeAt(i)
    if (c === COLON && path.charCodeAt(i + 1) === COLON) {
      i += 2
    } else if (c === COLON) {
      statics.push(staticText(path, start, i))
      let end = i + 1
      while (end < path.length && !isNameEnd(path.charCodeAt(end))) end++
      names.push(path.slice(i + 1, end))
      if (path.charCodeAt(end) === OPEN) {
        const close = closingParenthesis(path, end)
        checks.push(compileCheck(trimAnchors(path.slice(end, close + 1))))
        end = close + 1
      } else {
        checks.push(null)
      }
      i = start = end
    } else if (c === STAR) {
      statics.push(staticText(path, start, i))
      names.push('*')
      checks.push(null)
      i = start = path.length
    } else {
      i++
    }
  }
  statics.push(staticText(path, start, path.length))
  // Kept for the life of the server: copies sized to their content (a pushed-to array keeps spare room).
  const folded = caseSensitive ? statics.slice() : statics.map((part) => part.toLowerCase())
  return {
    source: path,
    statics: folded,
    names: names.slice(),
    checks: checks.some((check) => check !== null) ? checks.slice() : null,
    firstSegment: names.length > 0 && folded[0].indexOf('/', 1) === -1 ? null : firstSegmentOf(folded[0])
  }
}

/** The static text between two parameters, `::` read as a colon. */
function staticText (path: string, start: number, end: number): string {
  const text = path.slice(start, end)
  return text.includes('::') ? text.replaceAll('::', ':') : text
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

/** A parameter's RegExp, whole-value; null when it does not compile (Fastify then refuses the route itself). */
function compileCheck (source: string): RegExp | null {
  try {
    return new RegExp(`^${source}$`)
  } catch {
    return null
  }
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

/** The first segment of a path that starts with `/` (`/users/1` → `users`); `''` for `/`. */
export function firstSegmentOf (path: string): string {
  const end = path.indexOf('/', 1)
  return end === -1 ? path.slice(1) : path.slice(1, end)
}

/**
 * The request's path as Fastify's router compares it with routes, fully percent-decoded (so
 * that it compares with parameter values, which the router decodes): the query (and, with
 * `useSemicolonDelimiter`, what follows `;`) cut off, duplicate slashes collapsed and one
 * trailing slash dropped when the settings say so, lower-cased unless `caseSensitive`.
 * Null when the router could not decode it either (it answers 400 and runs no handler).
 */
export function requestPath (url: string, settings: RouterSettings): string | null {
  let path = url
  if (path.charCodeAt(0) !== SLASH) {
    const fromAbsolute = pathOfAbsoluteUrl(path)
    if (fromAbsolute === null) return null
    path = fromAbsolute
  }
  path = path.slice(0, endOfPath(path, settings.useSemicolonDelimiter))
  if (settings.ignoreDuplicateSlashes) path = collapseSlashes(path)
  if (settings.ignoreTrailingSlash) path = trimLastSlash(path)
  let decoded: string
  try {
    decoded = path.includes('%') ? decodeURIComponent(path) : path
  } catch {
    return null
  }
  return settings.caseSensitive ? decoded : decoded.toLowerCase()
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

/**
 * True when `pattern`, with the parameter values Fastify's router found, spells `path` (a
 * `requestPath`): the route could be the one that served it. Parameter names must be the
 * pattern's, in order, and each value must pass the parameter's own RegExp.
 */
export function spells (pattern: Pattern, params: Readonly<Record<string, string | undefined>>, path: string, caseSensitive: boolean): boolean {
  const names = pattern.names
  let count = 0
  for (const key in params) {
    if (key !== names[count]) return false
    count++
  }
  if (count !== names.length) return false
  const statics = pattern.statics
  let at = 0
  for (let i = 0; i < names.length; i++) {
    const part = statics[i]
    if (!path.startsWith(part, at)) return false
    at += part.length
    const raw = params[names[i]] as string
    const value = caseSensitive ? raw : raw.toLowerCase()
    if (!path.startsWith(value, at)) return false
    const check = pattern.checks?.[i]
    if (check != null && !check.test(raw)) return false
    at += value.length
  }
  const last = statics[names.length]
  return path.length === at + last.length && path.endsWith(last)
}
