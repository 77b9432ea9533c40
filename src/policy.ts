import { CorsConfigError, CorsDelegatorResultError, CorsRouteConfigError, errorWithIssues } from './errors.js'
import { resolveOptions, schemaIssues, type ResolvedOptions } from './options.js'
import type { Delegation } from './delegator.js'
import { holdsAnyOrigin, type ResultCache } from './frozen.js'
import type { ConfigWarning, OriginRule } from './origin.js'
import { SAFELISTED_METHODS } from './tokens.js'
import { PLUGIN_KEYS, ROUTE_KEYS } from './option-names.js'
import type { CorsOptions, RouteCorsOptions } from './schema.js'

/**
 * What the per-request code needs, computed once: header values are joined strings, the
 * origin check is a rule picked by the option's shape. Registration settings (hook,
 * preflight, logLevel, hideOptionsRoute) are not here; they belong to the registration.
 */
export interface Policy {
  /** False for `origin: false` and routes with `cors: false`: no CORS headers at all. */
  readonly enabled: boolean
  /** Where `origin` was set, for the hint in a refusal's explanation (docs/behaviour.md §3.12). */
  readonly originSetBy: 'plugin' | 'route' | 'delegator'
  readonly origin: OriginRule
  /** The response depends on the request's Origin, so caches must key on it (docs/behaviour.md §3.4). */
  readonly varyOrigin: boolean
  readonly credentials: boolean
  readonly exposeHeaders: string | null
  /** Null: `methods: 'auto'`, the methods routed on the preflight's path. */
  readonly allowMethods: string | null
  /** Methods a preflight may ask for: those of `methods` and GET, HEAD, POST; null for 'auto' or '*'. */
  readonly acceptedMethods: ReadonlySet<string> | null
  /** Null: reflect the request's Access-Control-Request-Headers. */
  readonly allowHeaders: string | null
  /** The names of `allowHeaders`, lower-cased, for checking requested header names. */
  readonly allowHeaderNames: ReadonlySet<string> | null
  /** Vary for an accepted preflight: Origin and/or Access-Control-Request-Headers. */
  readonly preflightVary: string | null
  readonly maxAge: string | null
  readonly cacheControl: string | null
  readonly preflightContinue: boolean
  readonly strictPreflight: boolean
  readonly successStatus: number
  /**
   * The delegator of the registration the policy was compiled for, or null: a policy carries
   * it so a request decided under one configuration stays under it (docs/behaviour.md §8).
   */
  readonly delegation: Delegation | null
}

function preflightVary (varyOrigin: boolean, reflectHeaders: boolean): string | null {
  if (!reflectHeaders) return varyOrigin ? 'Origin' : null
  return varyOrigin ? 'Origin, Access-Control-Request-Headers' : 'Access-Control-Request-Headers'
}

export function compilePolicy (options: ResolvedOptions): Policy {
  const origin = options.origin
  const varyOrigin = origin.kind === 'reflect' || origin.kind === 'match' || origin.kind === 'dynamic'
  const methods = options.methods === 'auto' ? null : options.methods
  const allowHeaders = options.allowedHeaders
  return Object.freeze({
    enabled: origin.kind !== 'none',
    originSetBy: 'plugin',
    origin,
    varyOrigin,
    credentials: options.credentials,
    exposeHeaders: options.headerValues.exposedHeaders,
    allowMethods: options.headerValues.methods,
    acceptedMethods: methods === null || methods.includes('*') ? null : new Set([...methods, ...SAFELISTED_METHODS]),
    allowHeaders: options.headerValues.allowedHeaders,
    allowHeaderNames: allowHeaders === null ? null : new Set(allowHeaders.map((name) => name.toLowerCase())),
    preflightVary: preflightVary(varyOrigin, allowHeaders === null),
    maxAge: options.maxAge === null ? null : String(options.maxAge),
    cacheControl: options.cacheControl,
    preflightContinue: options.preflightContinue,
    strictPreflight: options.strictPreflight,
    successStatus: options.optionsSuccessStatus,
    delegation: null
  })
}

/** A route with `config.cors: false`: CORS is off and its preflights are refused (docs/behaviour.md §3.6). */
export function disabledPolicy (base: Policy): Policy {
  return Object.freeze({ ...base, enabled: false, origin: { kind: 'none' } as const, varyOrigin: false, preflightVary: null })
}

/**
 * The policy a preflight is answered under when several routes may serve it (a `version` or
 * custom constraint the preflight cannot carry) and all of them accept it: only what every
 * one of them allows (docs/behaviour.md §5.4). `requestedMethod` is what the preflight asked for.
 */
export function mostRestrictive (policies: readonly Policy[], allowMethods: readonly string[], requestedMethod: string): { policy: Policy, allowMethods: string } {
  const [first] = policies
  const same = <T>(pick: (policy: Policy) => T): boolean => policies.every((policy) => pick(policy) === pick(first))
  const maxAges = policies.map((policy) => policy.maxAge)
  const reflect = !same((policy) => policy.allowHeaders) || first.allowHeaders === null
  const varyOrigin = policies.some((policy) => policy.varyOrigin)
  const policy: Policy = Object.freeze({
    ...first,
    varyOrigin,
    credentials: policies.every((policy) => policy.credentials),
    allowHeaders: reflect ? null : first.allowHeaders,
    allowHeaderNames: reflect ? null : first.allowHeaderNames,
    preflightVary: preflightVary(varyOrigin, reflect),
    maxAge: maxAges.includes(null) ? null : String(Math.min(...maxAges.map(Number))),
    cacheControl: same((policy) => policy.cacheControl) ? first.cacheControl : null,
    preflightContinue: policies.every((policy) => policy.preflightContinue)
  })
  const methods = allowMethods.every((list) => list === allowMethods[0]) ? allowMethods[0] : requestedMethod
  return { policy, allowMethods: methods }
}

export interface CompiledOptions {
  readonly policy: Policy
  readonly options: ResolvedOptions
  readonly warnings: readonly ConfigWarning[]
}

/** Warning code: a route whose own origin is '*' does not inherit credentials: true (docs/behaviour.md §2.4). */
export const PUBLIC_ROUTE_WITHOUT_CREDENTIALS = 'FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS'

/**
 * Schema check, then semantic checks on the options that passed it, so that one error
 * lists every problem (docs/behaviour.md §2.3). `base`: the options these override, named
 * `inheritedFrom` in messages; `results`: given for a delegator's result, chosen per request.
 */
function validate (known: readonly string[], raw: unknown, base: CorsOptions, Kind: typeof CorsConfigError, where: string, inheritedFrom: string | null = null, results?: ResultCache): CompiledOptions {
  const perRequest = results !== undefined
  const issues = schemaIssues(raw, known, results)
  const wellFormed: Record<string, unknown> = { ...base }
  const own = typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : {}
  for (const [key, value] of Object.entries(own)) {
    if (!issues.some((issue) => issue.path === key)) wellFormed[key] = value
  }
  const warnings: ConfigWarning[] = []
  const inherits = inheritedFrom !== null && own.credentials === undefined && base.credentials === true
  // Options that make themselves public ('*') do not inherit credentials: browsers never send them to '*' (§2.4).
  if (inherits && (results === undefined ? holdsAnyOrigin(own.origin) : results.holdsAnyOrigin(own.origin))) {
    wellFormed.credentials = false
    if (!perRequest) warnings.push({ code: PUBLIC_ROUTE_WITHOUT_CREDENTIALS, message: `origin '*' makes it public, so it does not inherit credentials: true from ${inheritedFrom} (browsers never send credentials to '*'); set credentials: false in its config.cors to say so` })
  }
  const resolved = resolveOptions(wellFormed as CorsOptions, { credentialsFrom: inherits ? inheritedFrom : null, perRequest }, results)
  issues.push(...resolved.issues)
  if (issues.length > 0) throw errorWithIssues(Kind, where, issues)
  return { policy: compilePolicy(resolved.options), options: resolved.options, warnings: [...warnings, ...resolved.warnings] }
}

/** Validates plugin options and compiles them; throws one error listing every problem. */
export function compilePluginOptions (raw: unknown): CompiledOptions {
  return validate(PLUGIN_KEYS, raw, {}, CorsConfigError, 'the fastify-corsica options')
}

/**
 * Validates what a delegator returned and compiles it over the plugin options, with the
 * route's own `config.cors` on top (as @fastify/cors merges them). A bad result is an
 * error for this request (500), never a crash.
 */
export function compileDelegatedOptions (pluginRaw: CorsOptions, result: unknown, routeCors: RouteCorsOptions | undefined, results: ResultCache): Policy {
  const base = validate(ROUTE_KEYS, result, pluginRaw, CorsDelegatorResultError, 'the options returned by the delegator', 'the plugin options', results)
  if (routeCors === undefined) return varyingOnOrigin(base.policy)
  return varyingOnOrigin(compileRouteOptions({ ...pluginRaw, ...(result as RouteCorsOptions) }, routeCors, 'the route (over the delegator options)', "the plugin options or the delegator's result").policy)
}

/**
 * A delegator chooses options per request, so the answer depends on the request even when the
 * options it chose (`'*'`, one fixed origin, `false`) do not: `Vary: Origin` always (docs/behaviour.md §3.4).
 */
function varyingOnOrigin (policy: Policy): Policy {
  const originSetBy = policy.originSetBy === 'route' ? 'route' : 'delegator'
  return Object.freeze({ ...policy, originSetBy, varyOrigin: true, preflightVary: preflightVary(true, policy.allowHeaders === null), delegation: null })
}

/**
 * Validates a route's `config.cors` and merges it over the plugin's options once, when the
 * route is added (docs/behaviour.md §2.3); the error names the route.
 */
export function compileRouteOptions (pluginRaw: CorsOptions, routeRaw: unknown, route: string, inheritedFrom = 'the plugin options'): CompiledOptions {
  const compiled = validate(ROUTE_KEYS, routeRaw, pluginRaw, CorsRouteConfigError, `config.cors of route ${route}`, inheritedFrom)
  if ((routeRaw as RouteCorsOptions).origin === undefined) return compiled
  return { ...compiled, policy: Object.freeze({ ...compiled.policy, originSetBy: 'route' }) }
}
