import { CorsConfigError, CORS_INVALID_DELEGATOR_RESULT, CORS_INVALID_OPTIONS, CORS_INVALID_ROUTE_OPTIONS } from './errors.js'
import { resolveOptions, schemaIssues, type ResolvedOptions } from './options.js'
import type { OriginRule } from './origin.js'
import { internalize } from './strings.js'
import { SAFELISTED_METHODS } from './tokens.js'
import { checkOptions, checkRouteOptions, CorsOptionsSchema, RouteCorsOptionsSchema, type CorsOptions, type RouteCorsOptions } from './schema.js'

/**
 * Everything the per-request code needs, computed once: header values are joined
 * strings, the origin check is a rule picked by the option's shape. Frozen.
 */
export interface Policy {
  /** False for `origin: false` and routes with `cors: false`: no CORS headers at all. */
  readonly enabled: boolean
  readonly origin: OriginRule
  /** The response depends on the request's Origin, so caches must key on it (SPEC 3.4). */
  readonly varyOrigin: boolean
  readonly credentials: boolean
  readonly exposeHeaders: string | null
  /** Null: `methods: 'auto'`, looked up per path in the route registry. */
  readonly allowMethods: string | null
  /**
   * Methods a preflight may ask for: those of `methods` that are not safelisted first (most
   * preflights ask for one of them), then GET, HEAD, POST; null for 'auto' or '*'.
   */
  readonly acceptedMethods: readonly string[] | null
  /** Null: reflect the request's Access-Control-Request-Headers. */
  readonly allowHeaders: string | null
  /** `allowHeaders` lower-cased, for checking requested header names. */
  readonly allowHeadersLower: string | null
  /** Vary for an accepted preflight, joined once: Origin and/or Access-Control-Request-Headers. */
  readonly preflightVary: string | null
  readonly maxAge: string | null
  readonly cacheControl: string | null
  readonly preflightContinue: boolean
  readonly strictPreflight: boolean
  readonly successStatus: number
  /** The options this policy was compiled from, kept for route merging and explanations. */
  readonly options: ResolvedOptions
}

function preflightVary (varyOrigin: boolean, reflectHeaders: boolean): string | null {
  if (!reflectHeaders) return varyOrigin ? 'Origin' : null
  return varyOrigin ? 'Origin, Access-Control-Request-Headers' : 'Access-Control-Request-Headers'
}

/** A header value joined once, as a flat string Node writes without flattening it again. */
function joined (values: readonly string[]): string {
  return internalize(values.join(', '))
}

export function compilePolicy (options: ResolvedOptions): Policy {
  const origin = options.origin
  const varyOrigin = origin.kind === 'reflect' || origin.kind === 'match' || origin.kind === 'dynamic'
  const methods = options.methods === 'auto' ? null : options.methods.map(internalize)
  const allowHeaders = options.allowedHeaders === null ? null : joined(options.allowedHeaders)
  return Object.freeze({
    enabled: origin.kind !== 'none',
    origin,
    varyOrigin,
    credentials: options.credentials,
    exposeHeaders: options.exposedHeaders.length > 0 ? joined(options.exposedHeaders) : null,
    allowMethods: methods === null ? null : joined(methods),
    acceptedMethods: methods === null || methods.includes('*') ? null : [...methods.filter((method) => !SAFELISTED_METHODS.has(method)), ...SAFELISTED_METHODS],
    allowHeaders,
    allowHeadersLower: allowHeaders === null ? null : internalize(allowHeaders.toLowerCase()),
    preflightVary: preflightVary(varyOrigin, options.allowedHeaders === null),
    maxAge: options.maxAge === null ? null : internalize(String(options.maxAge)),
    cacheControl: options.cacheControl === null ? null : internalize(options.cacheControl),
    preflightContinue: options.preflightContinue,
    strictPreflight: options.strictPreflight,
    successStatus: options.optionsSuccessStatus,
    options
  })
}

/** A route with `config.cors: false`: CORS is off and its preflights are refused (SPEC 3.6). */
export function disabledPolicy (base: Policy): Policy {
  return Object.freeze({ ...base, enabled: false, origin: { kind: 'none' } as const, varyOrigin: false, preflightVary: null })
}

export interface CompiledPlugin {
  readonly policy: Policy
  readonly warnings: readonly string[]
}

const PLUGIN_KEYS = Object.keys(CorsOptionsSchema.properties)
const ROUTE_KEYS = Object.keys(RouteCorsOptionsSchema.properties)

/**
 * Schema check, then semantic checks on the options that passed it, so that one error
 * lists every problem (SPEC 2, 4).
 */
function validate (check: typeof checkOptions, known: readonly string[], raw: unknown, base: CorsOptions, code: string, where: string): CompiledPlugin {
  const issues = schemaIssues(check, raw, known)
  const wellFormed: Record<string, unknown> = { ...base }
  if (typeof raw === 'object' && raw !== null) {
    for (const [key, value] of Object.entries(raw)) {
      if (!issues.some((issue) => issue.path === key)) wellFormed[key] = value
    }
  }
  const resolved = resolveOptions(wellFormed as CorsOptions)
  issues.push(...resolved.issues)
  if (issues.length > 0) throw new CorsConfigError(code, where, issues)
  return { policy: compilePolicy(resolved.options), warnings: resolved.warnings }
}

/** Validates plugin options and compiles them; throws one error listing every problem. */
export function compilePluginOptions (raw: unknown): CompiledPlugin {
  return validate(checkOptions, PLUGIN_KEYS, raw, {}, CORS_INVALID_OPTIONS, 'the fastify-corsica options')
}

/**
 * Validates what a delegator returned and compiles it over the plugin options, with the
 * route's own `config.cors` on top (as @fastify/cors merges them). A bad result is an
 * error for this request (500), never a crash.
 */
export function compileDelegatedOptions (pluginRaw: CorsOptions, result: unknown, routeCors: RouteCorsOptions | undefined): Policy {
  const base = validate(checkRouteOptions as typeof checkOptions, ROUTE_KEYS, result, pluginRaw, CORS_INVALID_DELEGATOR_RESULT, 'the options returned by the delegator')
  if (routeCors === undefined) return base.policy
  return compileRouteOptions({ ...pluginRaw, ...(result as RouteCorsOptions) }, routeCors, 'the route (over the delegator options)').policy
}

/**
 * Validates a route's `config.cors` and merges it over the plugin's options once,
 * when the route is added (SPEC 4); the error names the route.
 */
export function compileRouteOptions (pluginRaw: CorsOptions, routeRaw: unknown, route: string): CompiledPlugin {
  return validate(checkRouteOptions as typeof checkOptions, ROUTE_KEYS, routeRaw, pluginRaw, CORS_INVALID_ROUTE_OPTIONS, `config.cors of route ${route}`)
}
