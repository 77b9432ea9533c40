import { preflightVaryOf, type ConfigWarning, type OriginSetBy, type PerRequestOptions, type Policy } from './compiled.js'
import { CorsConfigError, CorsDelegatorResultError, CorsRouteConfigError, errorWithIssues } from './errors.js'
import type { ResultCache } from './frozen.js'
import { PLUGIN_KEYS, ROUTE_KEYS } from './option-names.js'
import { resolveOptions, type OptionsSource, type Resolution, type ResolvedOptions } from './options.js'
import { SAFELISTED_METHODS } from './tokens.js'

/**
 * Builds the policy the per-request code applies from resolved options: every header value
 * joined, every set made, once (docs/behaviour.md §7). The one place a policy is made.
 * `decidedBy` 'delegator': the answer depends on the request whatever the options chose
 * (`Vary: Origin` always, §3.4).
 */
export function buildPolicy (options: ResolvedOptions, originSetBy: OriginSetBy, perRequest: PerRequestOptions | null, decidedBy: OriginSetBy = 'plugin'): Policy {
  const { origin, methods, allowedHeaders } = options
  const varyOrigin = decidedBy === 'delegator' || origin.kind === 'reflect' || origin.kind === 'match' || origin.kind === 'dynamic'
  return Object.freeze({
    enabled: origin.kind !== 'none',
    originSetBy,
    decidedBy,
    origin,
    varyOrigin,
    credentials: options.credentials,
    exposeHeaders: options.exposedHeaders?.header ?? null,
    allowMethods: methods === 'auto' ? null : methods.header,
    acceptedMethods: methods === 'auto' || methods.items.includes('*') ? null : new Set([...methods.items, ...SAFELISTED_METHODS]),
    allowHeaders: allowedHeaders?.header ?? null,
    allowHeaderNames: allowedHeaders === null ? null : new Set(allowedHeaders.items.map((name) => name.toLowerCase())),
    preflightVary: preflightVaryOf(varyOrigin, allowedHeaders === null),
    maxAge: options.maxAge === null ? null : String(options.maxAge),
    cacheControl: options.cacheControl,
    preflightContinue: options.preflightContinue,
    strictPreflight: options.strictPreflight,
    successStatus: options.optionsSuccessStatus,
    // CORS off (origin: false, cors: false) is never delegated (docs/behaviour.md §6.2).
    perRequest: origin.kind === 'none' ? null : perRequest
  })
}

/** Validates `raw` over `source`, throwing one coded error that lists every problem (docs/behaviour.md §2.3). */
function validated (raw: unknown, known: readonly string[], source: OptionsSource, Kind: typeof CorsConfigError, where: string): Resolution {
  const { resolution, issues } = resolveOptions(raw, known, source)
  if (issues.length > 0) throw errorWithIssues(Kind, where, issues)
  return resolution
}

/** Plugin options, validated and resolved (`results`: the registration's cache of compiled lists). */
export function resolvePluginOptions (raw: unknown, results: ResultCache): Resolution {
  return validated(raw, PLUGIN_KEYS, { base: null, inheritedFrom: '', perRequest: false, results }, CorsConfigError, 'the options')
}

/** A route's compiled policy, with the warnings that are its own (not inherited from the plugin options). */
export interface CompiledRoute {
  readonly policy: Policy
  readonly warnings: readonly ConfigWarning[]
}

/**
 * A route's `config.cors` (options, or `false` for CORS off) validated over the plugin options,
 * when the app becomes ready; the error names the route (docs/behaviour.md §2.3, §4).
 */
export function compileRoute (plugin: Resolution, routeCors: unknown, route: string, results: ResultCache, perRequest: PerRequestOptions | null): CompiledRoute {
  const own = routeCors === false ? { origin: false } : routeCors
  const source: OptionsSource = { base: plugin, inheritedFrom: 'the plugin options', perRequest: false, results }
  const resolution = validated(own, ROUTE_KEYS, source, CorsRouteConfigError, `config.cors of route ${route}`)
  const setBy = typeof routeCors === 'object' && routeCors !== null && 'origin' in routeCors ? 'route' : 'plugin'
  // A route warns only about what it does not inherit: the plugin options were warned about at registration.
  const inherited = new Set(plugin.warnings.map((warning) => warning.message))
  return { policy: buildPolicy(resolution.options, setBy, perRequest, 'route'), warnings: resolution.warnings.filter((warning) => !inherited.has(warning.message)) }
}

/**
 * What a delegator returned, validated over the plugin options, with the route's own
 * `config.cors` on top (as @fastify/cors merges them). A bad result is an error for this
 * request (500), never a crash (docs/behaviour.md §6.2).
 */
export function compileDelegated (plugin: Resolution, result: unknown, routeCors: unknown, results: ResultCache): Policy {
  const delegated = validated(result, ROUTE_KEYS, { base: plugin, inheritedFrom: 'the plugin options', perRequest: true, results }, CorsDelegatorResultError, 'the options returned by the delegator')
  if (routeCors === undefined) return buildPolicy(delegated.options, 'delegator', null, 'delegator')
  const source: OptionsSource = { base: delegated, inheritedFrom: "the plugin options or the delegator's result", perRequest: true, results }
  const route = validated(routeCors, ROUTE_KEYS, source, CorsDelegatorResultError, 'the route (over the delegator options)')
  return buildPolicy(route.options, 'origin' in (routeCors as object) ? 'route' : 'delegator', null, 'delegator')
}
