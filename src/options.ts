import type { ConfigIssue } from './errors.js'
import { ResultCache } from './frozen.js'
import { compileStaticOrigin, type ConfigWarning, type OriginCompilation, type OriginRule, type StaticOrigin } from './origin.js'
import { checkListedOrigins, credentialsClause, forbiddenRequestHeader, REFLECTED_HEADERS_WITH_CREDENTIALS, SAFE_FORMS, type SafetyContext } from './safety.js'
import { optionChecks } from './generated/checks.js'
import { EXPECTED, type CorsHook } from './option-names.js'
import type { CorsDelegator, CorsOptions } from './schema.js'
import { checkHeaderNames, checkMethods, isHeaderValue } from './tokens.js'

/** Chromium caps Access-Control-Max-Age at two hours; larger values are silently lowered. */
export const CHROMIUM_MAX_AGE = 7200

/** Options after validation: defaults applied, lists split, origin compiled. */
export interface ResolvedOptions {
  readonly origin: OriginRule
  /** `'auto'`: the methods that have routes on the requested path. */
  readonly methods: readonly string[] | 'auto'
  readonly allowedHeaders: readonly string[] | null
  readonly exposedHeaders: readonly string[]
  /** The three list headers' values, serialized once (docs/behaviour.md §2.2); null when not sent. */
  readonly headerValues: { readonly methods: string | null, readonly allowedHeaders: string | null, readonly exposedHeaders: string | null }
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
  readonly delegator: CorsDelegator | undefined
}

export interface Validation {
  readonly options: ResolvedOptions
  readonly issues: ConfigIssue[]
  readonly warnings: ConfigWarning[]
}

/** Warning code for a maxAge above what Chromium honours (docs/behaviour.md §2.5). */
export const MAX_AGE_ABOVE_CAP = 'FST_CORS_MAX_AGE_ABOVE_CAP'

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

/**
 * Schema problems, one per option, plus unknown keys with a "did you mean" (docs/behaviour.md
 * §2.3). Each option is checked on its own by the validator generated from the TypeBox schema.
 */
export function schemaIssues (raw: unknown, known: readonly string[], results?: ResultCache): ConfigIssue[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ path: '(options)', message: `expected an options object, got ${describe(raw)}` }]
  }
  const unknown: ConfigIssue[] = []
  const invalid: ConfigIssue[] = []
  for (const [key, value] of Object.entries(raw)) {
    if (!known.includes(key)) {
      const guess = closest(key, known)
      unknown.push({ path: key, message: `is not an option${guess === null ? '' : `; did you mean '${guess}'?`} (options: ${known.join(', ')})` })
    } else if (value !== undefined && !(key === 'origin' && results?.knows(value) === true) && !optionChecks[key](value)) {
      invalid.push({ path: key, message: `expected ${EXPECTED[key as keyof typeof EXPECTED]}, got ${describe(value)}` })
    }
  }
  return [...unknown, ...invalid]
}

/** Where a set of options comes from, for the checks whose answer depends on it. */
export interface OptionsSource {
  /** Who set `credentials: true` when these options inherit it ('the plugin options'), else null. */
  readonly credentialsFrom: string | null
  /** Options chosen per request (a delegator's result): `origin: true` with credentials is allowed there (docs/behaviour.md §2.4). */
  readonly perRequest: boolean
}

const OWN_OPTIONS: OptionsSource = { credentialsFrom: null, perRequest: false }

/**
 * Semantic checks and normalization of schema-valid options. Every problem is
 * collected; nothing stops at the first one.
 */
export function resolveOptions (raw: CorsOptions, source: OptionsSource = OWN_OPTIONS, results?: ResultCache): Validation {
  const issues: ConfigIssue[] = []
  const warnings: ConfigWarning[] = []
  const credentials = raw.credentials ?? DEFAULTS.credentials
  const context: SafetyContext = { credentials, credentialsFrom: credentials ? source.credentialsFrom : null, tolerate: raw }

  let origin: OriginRule = { kind: 'any' }
  const originOption = raw.origin ?? DEFAULTS.origin
  if (typeof originOption === 'function') {
    origin = { kind: 'dynamic', fn: originOption, takesCallback: originOption.length >= 2, results: new ResultCache() }
  } else {
    const compiled = checkedOrigin(originOption, context, results)
    issues.push(...compiled.issues)
    warnings.push(...compiled.warnings)
    origin = compiled.rule
    // With a delegator and no origin of their own, the plugin options leave the origins to it: checked per request.
    if (credentials && origin.kind === 'any' && !(raw.delegator !== undefined && raw.origin === undefined)) {
      issues.push({ path: 'origin', message: `'*' cannot be used with credentials (browsers reject that pair), and ${credentialsClause(context)}; ${SAFE_FORMS}` })
    }
    if (credentials && origin.kind === 'reflect' && !source.perRequest && raw.dangerouslyTolerateAnyOriginWithCredentials !== true) {
      issues.push({ path: 'origin', message: `true reflects every origin, and ${credentialsClause(context)}: every website could read credentialed responses; ${SAFE_FORMS}; or set dangerouslyTolerateAnyOriginWithCredentials: true` })
    }
  }

  const auto = raw.methods === 'auto'
  const methods = checkMethods(auto ? [] : raw.methods ?? DEFAULTS.methods)
  for (const problem of methods.problems) issues.push({ path: 'methods', message: problem })
  if (!auto && methods.items.length === 0 && methods.problems.length === 0) {
    issues.push({ path: 'methods', message: "is empty; list the methods cross-origin callers may use, e.g. 'GET,POST', or use 'auto'" })
  }
  refuseWildcardWithCredentials('methods', methods.items, credentials, issues)

  let allowedHeaders: string[] | null = null
  let allowedHeadersHeader: string | null = null
  if (raw.allowedHeaders !== undefined) {
    const checked = checkHeaderNames(raw.allowedHeaders)
    for (const problem of checked.problems) issues.push({ path: 'allowedHeaders', message: problem })
    for (const name of checked.items) {
      const why = forbiddenRequestHeader(name)
      if (why !== null) issues.push({ path: 'allowedHeaders', message: `${JSON.stringify(name)} is ${why}; remove it` })
    }
    refuseWildcardWithCredentials('allowedHeaders', checked.items, credentials, issues)
    allowedHeaders = checked.items
    allowedHeadersHeader = checked.header
  } else if (credentials && origin.kind !== 'none') {
    warnings.push({
      code: REFLECTED_HEADERS_WITH_CREDENTIALS,
      message: 'credentials is true and allowedHeaders is not set, so every header a page asks to send is approved (reflected, as @fastify/cors does); list the request headers your routes read in allowedHeaders'
    })
  }

  let exposedHeaders: string[] = []
  let exposedHeadersHeader: string | null = null
  if (raw.exposedHeaders !== undefined) {
    const checked = checkHeaderNames(raw.exposedHeaders)
    for (const problem of checked.problems) issues.push({ path: 'exposedHeaders', message: problem })
    refuseWildcardWithCredentials('exposedHeaders', checked.items, credentials, issues)
    exposedHeaders = checked.items
    if (checked.items.length > 0) exposedHeadersHeader = checked.header
  }

  const maxAge = raw.maxAge ?? null
  if (maxAge !== null && maxAge > CHROMIUM_MAX_AGE) {
    warnings.push({ code: MAX_AGE_ABOVE_CAP, message: `maxAge: ${maxAge} seconds is above Chromium's cap of ${CHROMIUM_MAX_AGE}; Chromium caches the preflight for ${CHROMIUM_MAX_AGE} seconds at most` })
  }

  let cacheControl: string | null = null
  if (typeof raw.cacheControl === 'number') {
    cacheControl = `max-age=${raw.cacheControl}`
  } else if (raw.cacheControl !== undefined) {
    if (isHeaderValue(raw.cacheControl)) cacheControl = raw.cacheControl
    else issues.push({ path: 'cacheControl', message: `${JSON.stringify(raw.cacheControl)} is not a valid header value; write e.g. 'public, max-age=600' or a number of seconds` })
  }

  return {
    options: {
      origin,
      methods: auto ? 'auto' : methods.items,
      allowedHeaders,
      exposedHeaders,
      headerValues: { methods: auto ? null : methods.header, allowedHeaders: allowedHeadersHeader, exposedHeaders: exposedHeadersHeader },
      credentials,
      maxAge,
      cacheControl,
      preflight: raw.preflight ?? DEFAULTS.preflight,
      preflightContinue: raw.preflightContinue ?? DEFAULTS.preflightContinue,
      optionsSuccessStatus: raw.optionsSuccessStatus ?? DEFAULTS.optionsSuccessStatus,
      strictPreflight: raw.strictPreflight ?? DEFAULTS.strictPreflight,
      hideOptionsRoute: raw.hideOptionsRoute ?? DEFAULTS.hideOptionsRoute,
      logLevel: raw.logLevel,
      hook: raw.hook ?? DEFAULTS.hook,
      delegator: raw.delegator
    },
    issues,
    warnings
  }
}

/** The origin option compiled and checked under `context`; a list seen before (frozen in `results`) is not compiled again. */
function checkedOrigin (value: StaticOrigin, context: SafetyContext, results: ResultCache | undefined): OriginCompilation {
  const compile = (): OriginCompilation => {
    const compiled = compileStaticOrigin(value, 'origin')
    checkListedOrigins(compiled.listed, context, compiled.issues, compiled.warnings)
    return compiled
  }
  if (results === undefined) return compile()
  const { tolerate } = context
  const key = [context.credentials, context.credentialsFrom, tolerate.dangerouslyTolerateSubdomainsOfPublicSuffixes, tolerate.dangerouslyTolerateInsecureOrigins, tolerate.dangerouslyTolerateUnsafeRegExps, tolerate.dangerouslyTolerateAnyOriginWithCredentials].join('|')
  return results.origin(value, key, compile)
}

/** With credentials, browsers read `*` as a literal name, never as a wildcard (Fetch, CORS protocol). */
function refuseWildcardWithCredentials (path: string, items: readonly string[], credentials: boolean, issues: ConfigIssue[]): void {
  if (credentials && items.includes('*')) {
    issues.push({ path, message: '\'*\' is not a wildcard when credentials: true (browsers treat it as a literal name); list the names explicitly' })
  }
}

/** An object literal (prototype Object.prototype or null): copied and compared by value, unlike RegExps, handles or class instances. */
export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * A copy of arrays and plain objects, all the way down; RegExps, functions and handles are the
 * user's own objects, shared, never copied.
 */
export function copyValue (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue)
  return isPlainObject(value) ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copyValue(inner)])) : value
}

/**
 * A copy of an options object, so changing it (or a list in it) afterwards changes nothing
 * (docs/behaviour.md §2.3); anything else is returned as is, for validation to refuse.
 */
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
