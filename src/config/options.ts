import type { ConfigIssue, ConfigWarning, OriginRule } from './compiled.js'
import { ResultCache } from './frozen.js'
import { compileStaticOrigin, type OriginCompilation } from './origin.js'
import { checkListedOrigins, credentialsClause, forbiddenRequestHeader, REFLECTED_HEADERS_WITH_CREDENTIALS, SAFE_FORMS, type SafetyContext } from './safety.js'
import { optionChecks } from './generated/checks.js'
import { EXPECTED, type CorsHook } from './option-names.js'
import type { CorsOptions, StaticOrigin } from './types.js'
import { checkHeaderNames, checkMethods, isHeaderValue, type ListCheck } from './tokens.js'

/** Chromium caps Access-Control-Max-Age at two hours; larger values are silently lowered. */
export const CHROMIUM_MAX_AGE = 7200

/** Warning codes (docs/behaviour.md §2.5). */
export const MAX_AGE_ABOVE_CAP = 'FST_CORS_MAX_AGE_ABOVE_CAP'
export const PUBLIC_ROUTE_WITHOUT_CREDENTIALS = 'FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS'

/** Defaults of @fastify/cors 11, so switching is a one-line change. */
export const DEFAULTS = {
  origin: '*',
  methods: 'GET,HEAD,POST',
  credentials: false,
  preflight: true,
  preflightContinue: false,
  optionsSuccessStatus: 204,
  strictPreflight: true,
  hideOptionsRoute: true,
  hook: 'onRequest'
} as const

/** A list option: its items, and its header value serialized once, as @fastify/cors does (§2.2). */
export interface HeaderList { readonly items: readonly string[], readonly header: string }

/** Options after validation: defaults applied, lists split and serialized, origin compiled. */
export interface ResolvedOptions {
  readonly origin: OriginRule
  /** `'auto'`: the methods that have routes on the requested path. */
  readonly methods: HeaderList | 'auto'
  /** Null: reflect the requested headers. */
  readonly allowedHeaders: HeaderList | null
  /** Null: none (unset or empty). */
  readonly exposedHeaders: HeaderList | null
  readonly credentials: boolean
  readonly maxAge: number | null
  readonly cacheControl: string | null
  readonly preflight: boolean
  readonly preflightContinue: boolean
  readonly optionsSuccessStatus: number
  readonly strictPreflight: boolean
  readonly hideOptionsRoute: boolean
  readonly logLevel: CorsOptions['logLevel']
  readonly hook: CorsHook
}

/** Options resolved, with the options they came from (what options set over them inherit). */
export interface Resolution {
  /** Every option in force, as written (inherited ones included), defaults not applied. */
  readonly raw: CorsOptions
  readonly options: ResolvedOptions
  readonly warnings: readonly ConfigWarning[]
  /** What the origin checks depended on, so options over these reuse the origin when it is the same. */
  readonly originKey: string
}

/** Where a set of options comes from, for the checks whose answer depends on it. */
export interface OptionsSource {
  /** The options these are set over (the plugin's, for a route or a delegator's result), or null. */
  readonly base: Resolution | null
  /** Who set the options inherited from `base`, named in messages ('the plugin options'). */
  readonly inheritedFrom: string
  /** A delegator's result, chosen per request: `origin: true` with credentials is allowed there (docs/behaviour.md §2.4). */
  readonly perRequest: boolean
  /** Lists and RegExps compiled before (one cache per registration). */
  readonly results: ResultCache
}

/** Schema problems, one per option (the validators generated from the TypeBox schema), unknown keys with a "did you mean" (§2.3). */
export function schemaIssues (raw: unknown, known: readonly string[], results?: ResultCache): ConfigIssue[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ path: '(options)', message: `expected an options object, got ${describe(raw)}` }]
  }
  const unknown: ConfigIssue[] = []
  const invalid: ConfigIssue[] = []
  for (const [key, value] of Object.entries(raw)) {
    if (!known.includes(key)) {
      const guess = closest(key, known)
      unknown.push({ path: key, message: guess === null ? 'is not an option' : `is not an option; did you mean '${guess}'?` })
    } else if (value !== undefined && !(key === 'origin' && results?.knows(value) === true) && !optionChecks[key](value)) {
      invalid.push({ path: key, message: `expected ${EXPECTED[key as keyof typeof EXPECTED]}, got ${describe(value)}` })
    }
  }
  return [...unknown, ...invalid]
}

/**
 * Validates `raw` over `source.base` and resolves it, collecting every problem: the schema, one
 * check per option, then what depends on credentials. What `raw` does not set is taken from the
 * base as resolved there, so options over the plugin's cost only what they set.
 */
export function resolveOptions (raw: unknown, known: readonly string[], source: OptionsSource): { resolution: Resolution, issues: ConfigIssue[] } {
  const { base, results } = source
  const issues = schemaIssues(raw, known, results)
  const own: Record<string, unknown> = {}
  if (typeof raw === 'object' && raw !== null) {
    for (const [key, value] of Object.entries(raw)) if (!issues.some((issue) => issue.path === key)) own[key] = value
  }
  const merged = { ...base?.raw, ...own } as CorsOptions
  const warnings: ConfigWarning[] = []
  const inherits = base !== null && own.credentials === undefined && base.options.credentials
  // Options that make themselves public ('*') do not inherit credentials: browsers never send them to '*' (§2.4).
  if (inherits && results.holdsAnyOrigin(own.origin)) {
    merged.credentials = false
    if (!source.perRequest) warnings.push({ code: PUBLIC_ROUTE_WITHOUT_CREDENTIALS, message: `origin '*' makes it public, so it does not inherit credentials: true from ${source.inheritedFrom} (browsers never send credentials to '*'); set credentials: false in its config.cors to say so` })
  }
  const credentials = merged.credentials ?? DEFAULTS.credentials
  const context: SafetyContext = { credentials, credentialsFrom: credentials && inherits ? source.inheritedFrom : null, tolerate: merged }
  // Whether option `name` is checked here: set by these options, or resolved afresh (no base).
  const setHere = (name: string): boolean => base === null || name in own
  const ownOr = <T>(key: keyof ResolvedOptions, resolve: () => T): T => (setHere(key) ? resolve() : (base as Resolution).options[key] as T)
  const check = (path: string, list: ListCheck): HeaderList => {
    for (const problem of list.problems) issues.push({ path, message: problem })
    return { items: list.items, header: list.header }
  }

  // Each option on its own.
  const methods = ownOr('methods', () => merged.methods === 'auto' ? 'auto' as const : check('methods', checkMethods(merged.methods ?? DEFAULTS.methods)))
  if (methods !== 'auto' && methods.items.length === 0 && setHere('methods')) issues.push({ path: 'methods', message: "is empty; list the methods cross-origin callers may use, e.g. 'GET,POST', or use 'auto'" })
  const allowedHeaders = ownOr('allowedHeaders', () => merged.allowedHeaders === undefined ? null : check('allowedHeaders', checkHeaderNames(merged.allowedHeaders)))
  for (const name of setHere('allowedHeaders') ? allowedHeaders?.items ?? [] : []) {
    const why = forbiddenRequestHeader(name)
    if (why !== null) issues.push({ path: 'allowedHeaders', message: `${JSON.stringify(name)} is ${why}; remove it` })
  }
  const exposedHeaders = ownOr('exposedHeaders', () => {
    if (merged.exposedHeaders === undefined) return null
    const list = check('exposedHeaders', checkHeaderNames(merged.exposedHeaders))
    return list.items.length === 0 ? null : list
  })
  const maxAge = merged.maxAge ?? null
  if (maxAge !== null && maxAge > CHROMIUM_MAX_AGE) warnings.push({ code: MAX_AGE_ABOVE_CAP, message: `maxAge: ${maxAge} seconds is above Chromium's cap of ${CHROMIUM_MAX_AGE}; Chromium caches the preflight for ${CHROMIUM_MAX_AGE} seconds at most` })
  const cacheControl = ownOr('cacheControl', () => {
    const value = merged.cacheControl
    if (value === undefined) return null
    if (typeof value === 'number') return `max-age=${value}`
    if (isHeaderValue(value)) return value
    issues.push({ path: 'cacheControl', message: `${JSON.stringify(value)} is not a valid header value; write e.g. 'public, max-age=600' or a number of seconds` })
    return null
  })

  // The origin, and what depends on credentials.
  const originKey = [credentials, context.credentialsFrom, merged.dangerouslyTolerateSubdomainsOfPublicSuffixes, merged.dangerouslyTolerateInsecureOrigins, merged.dangerouslyTolerateUnsafeRegExps, merged.dangerouslyTolerateAnyOriginWithCredentials].join('|')
  let origin: OriginRule
  if (base !== null && !('origin' in own) && base.originKey === originKey) {
    origin = base.options.origin
  } else {
    const value = merged.origin ?? DEFAULTS.origin
    if (typeof value === 'function') {
      origin = { kind: 'dynamic', fn: value, takesCallback: value.length >= 2, results: new ResultCache() }
    } else {
      const compiled = results.origin(value, originKey, () => checkedOrigin(value, context))
      issues.push(...compiled.issues)
      warnings.push(...compiled.warnings)
      origin = compiled.rule
    }
  }
  if (credentials) {
    // Options under a delegator that name no origin leave the origins to it: its results are checked per request.
    if (origin.kind === 'any' && !(merged.delegator !== undefined && merged.origin === undefined && !source.perRequest)) {
      issues.push({ path: 'origin', message: `'*' cannot be used with credentials (browsers reject that pair), and ${credentialsClause(context)}; ${SAFE_FORMS}` })
    }
    if (origin.kind === 'reflect' && !source.perRequest && merged.dangerouslyTolerateAnyOriginWithCredentials !== true) {
      issues.push({ path: 'origin', message: `true reflects every origin, and ${credentialsClause(context)}: every website could read credentialed responses; ${SAFE_FORMS}; or set dangerouslyTolerateAnyOriginWithCredentials: true` })
    }
    for (const [path, list] of [['methods', methods], ['allowedHeaders', allowedHeaders], ['exposedHeaders', exposedHeaders]] as const) {
      // Browsers read '*' as a literal name when credentials are sent (Fetch, CORS protocol).
      if (list !== null && list !== 'auto' && list.items.includes('*')) issues.push({ path, message: "'*' is not a wildcard when credentials: true (browsers treat it as a literal name); list the names explicitly" })
    }
    if (allowedHeaders === null && origin.kind !== 'none') {
      warnings.push({ code: REFLECTED_HEADERS_WITH_CREDENTIALS, message: 'credentials is true and allowedHeaders is not set, so every header a page asks to send is approved (reflected, as @fastify/cors does); list the request headers your routes read in allowedHeaders' })
    }
  }

  const options: ResolvedOptions = {
    origin,
    methods,
    allowedHeaders,
    exposedHeaders,
    credentials,
    maxAge,
    cacheControl,
    preflight: merged.preflight ?? DEFAULTS.preflight,
    preflightContinue: merged.preflightContinue ?? DEFAULTS.preflightContinue,
    optionsSuccessStatus: merged.optionsSuccessStatus ?? DEFAULTS.optionsSuccessStatus,
    strictPreflight: merged.strictPreflight ?? DEFAULTS.strictPreflight,
    hideOptionsRoute: merged.hideOptionsRoute ?? DEFAULTS.hideOptionsRoute,
    logLevel: merged.logLevel,
    hook: merged.hook ?? DEFAULTS.hook
  }
  return { resolution: { raw: merged, options, warnings, originKey }, issues }
}

/** A static origin compiled, with the checks that depend on credentials and the opt-outs (§2.4). */
function checkedOrigin (value: StaticOrigin, context: SafetyContext): OriginCompilation {
  const compiled = compileStaticOrigin(value, 'origin')
  checkListedOrigins(compiled.listed, context, compiled.issues, compiled.warnings)
  return compiled
}

/** An object literal (prototype Object.prototype or null): copied and compared by value, unlike RegExps, handles or class instances. */
export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A deep copy of arrays and plain objects; RegExps, functions and handles are the user's own, shared. */
export function copyValue (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue)
  return isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copyValue(inner)])) : value
}

/** A copy of an options object: changing it afterwards changes nothing (§2.3); anything else as is, for validation to refuse. */
export function copyOptions (options: unknown): CorsOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options as CorsOptions
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, copyValue(value)])) as CorsOptions
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof RegExp) return String(value)
  switch (typeof value) {
    case 'string': return JSON.stringify(value)
    case 'number': case 'boolean': case 'undefined': return String(value)
    case 'function': return 'a function'
    default: return `a ${typeof value}`
  }
}

/** The known key nearest to `key` by edit distance, when it is a plausible typo. */
export function closest (key: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null
}

function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
