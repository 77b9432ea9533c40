import type { FastifyRequest } from 'fastify'
import type { ResultCache } from './frozen.js'
import type { OriginFunction } from './types.js'

// The compiled configuration every layer shares: built once from options, never changed; a reconfiguration swaps in new values (§8).

/** One problem found in the options: its path (`origin[2]`, `maxAge`), and what to write instead. */
export interface ConfigIssue { readonly path: string, readonly message: string }

/** A warning about the configuration, with the code it is emitted under (§2.5). */
export interface ConfigWarning { readonly code: string, readonly message: string }

/** How a policy decides on the Origin, picked once by the option's shape (hono's `findAllowOrigin`); `fixed` is sent as-is (§2.1). */
export type StaticRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'fixed', readonly value: string }
  | { readonly kind: 'reflect' }
  | { readonly kind: 'match', readonly matches: (origin: string) => boolean, /** As written, for printCorsPolicies. */ readonly items: readonly string[] }

/** An origin function; `takesCallback` is read once (`fn.length` is an accessor call on every read). */
export interface DynamicRule {
  readonly kind: 'dynamic'
  readonly fn: OriginFunction
  readonly takesCallback: boolean
  /** What the function resolved to, compiled once per list (docs/behaviour.md §6.3). */
  readonly results: ResultCache
}

export type OriginRule = StaticRule | DynamicRule

/** Options chosen per request: a registration's delegator (request/delegator.ts). */
export interface PerRequestOptions {
  /** Calls the delegator and compiles its result over the plugin options, with the route's own `config.cors` on top. */
  resolve: (request: FastifyRequest, routeCors: unknown, done: (error: Error | null, policy?: Policy) => void) => void
}

/** Who set the origin a policy checks, for the fix an explanation suggests (docs/behaviour.md §3.12). */
export type OriginSetBy = 'plugin' | 'route' | 'delegator'

/** What the per-request code needs, computed once: header values joined, the origin check a rule. */
export interface Policy {
  /** False for `origin: false` and routes with `cors: false`: no CORS headers at all. */
  readonly enabled: boolean
  readonly originSetBy: OriginSetBy
  /** Whose options these are: the plugin's, a route's `config.cors`, or a delegator's result for one request. */
  readonly decidedBy: OriginSetBy
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
  /** The registration's delegator, or null: a request decided under one configuration stays under it (§8.3). */
  readonly perRequest: PerRequestOptions | null
}

/** A route's compiled policy, with its own `config.cors` (merged over a delegator's per-request options). */
export interface RoutePolicy {
  readonly policy: Policy
  readonly cors: unknown
}

/** What one registration compiled: its plugin policy and one per `config.cors` value its routes hold; replaced by one assignment (§8.3). */
export interface CompiledState {
  readonly plugin: Policy
  /** The plugin policy as the policy of a route without `config.cors`, or of a request on no route of the plugin's (a 404). */
  readonly unrouted: RoutePolicy
  /** By the routes' final `config.cors` values (routes sharing one object share its policy); empty before the app is ready. */
  readonly routes: ReadonlyMap<unknown, RoutePolicy>
}

/** A route's policy by its final `config.cors`: the plugin policy for none, or for a value put there after ready, never compiled (§2.3). */
export function routePolicy (state: CompiledState, cors: unknown): RoutePolicy {
  return cors === undefined ? state.unrouted : state.routes.get(cors) ?? state.unrouted
}

/** Vary for an accepted preflight: Origin when the answer depends on it, Access-Control-Request-Headers when they are reflected (§3.4). */
export function preflightVaryOf (varyOrigin: boolean, reflectHeaders: boolean): string | null {
  if (reflectHeaders) return varyOrigin ? 'Origin, Access-Control-Request-Headers' : 'Access-Control-Request-Headers'
  return varyOrigin ? 'Origin' : null
}
