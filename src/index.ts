/**
 * fastify-corsica: options → validate → compile → policy → per-request hook.
 *
 * - `schema.ts`     TypeBox schema of the options (types come from it)
 * - `options.ts`    schema problems, semantic checks, defaults
 * - `origin.ts`     origin normalization, wildcard patterns, matchers
 * - `tokens.ts`     method and header-name grammar
 * - `policy.ts`     immutable policies with precomputed header values
 * - `routes.ts`     per-route slots, the route registry, the `OPTIONS *` route
 * - `delegator.ts`  per-request options, compiled once per returned object
 * - `request.ts`    what happens to one request: actual or preflight
 * - `hook.ts`       the Fastify hook and the OPTIONS handler
 */
// First: it must run before the rest of the package loads (see ticks.ts).
import './ticks.js'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Delegation } from './delegator.js'
import * as errors from './errors.js'
import { buildHook, buildOptionsHandler, type Scope } from './hook.js'
import { compilePluginOptions, compileRouteOptions, disabledPolicy, type Policy } from './policy.js'
import { buildOnRoute, registerOptionsRoute, registryFor, type RouteSlot } from './routes.js'
import type * as schema from './schema.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's CORS options over the plugin's, or `false` to turn CORS off (preflights get 403). */
    cors?: schema.RouteCorsOptions | false
  }
}

/**
 * Registers CORS for the scope it is registered in. Options are validated and compiled
 * once; a route's `config.cors` is compiled when the route is added.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import corsPlugin from 'fastify-corsica'
 *
 * const app = Fastify()
 * await app.register(corsPlugin, {
 *   origin: ['https://app.example.com', 'https://*.example.com'],
 *   credentials: true,
 *   methods: ['GET', 'PUT', 'DELETE'],
 *   maxAge: 600
 * })
 * app.delete('/items/:id', { config: { cors: false } }, handler)
 * ```
 */
async function corsPlugin (fastify: FastifyInstance, options: schema.CorsOptions | schema.CorsDelegator): Promise<void> {
  // register(corsPlugin, (instance) => delegator): Fastify has already called the outer function.
  const raw: schema.CorsOptions = typeof options === 'function' ? { delegator: options } : options
  const { policy, warnings } = compilePluginOptions(raw)
  // Warnings are logged once, at registration, never per request (SPEC 4).
  for (const warning of warnings) fastify.log.warn(`fastify-corsica: ${warning}`)

  const registry = registryFor(fastify)
  registry.register(policy)
  const routePolicies = new WeakMap<object, Policy>()
  const scope: Scope = {
    instance: fastify,
    policy,
    hook: policy.options.hook,
    answersPreflights: policy.options.preflight,
    registry,
    delegation: policy.options.delegator === undefined ? null : new Delegation(policy.options.delegator, fastify, raw),
    owner: {}
  }

  fastify.addHook('onRoute', buildOnRoute({
    registry,
    owner: scope.owner,
    compile: (routeCors, route): Policy => {
      if (routeCors === undefined) return policy
      if (routeCors === false) return disabledPolicy(policy)
      // The HEAD route Fastify adds for a GET shares its config object: compile and warn once.
      let compiled = routePolicies.get(routeCors as object)
      if (compiled === undefined) {
        const result = compileRouteOptions(raw, routeCors, route)
        for (const warning of result.warnings) fastify.log.warn(`fastify-corsica: route ${route}: ${warning}`)
        routePolicies.set(routeCors as object, compiled = result.policy)
      }
      return compiled
    }
  }))
  fastify.addHook(scope.hook as 'onRequest', buildHook(scope) as never)

  if (policy.options.preflight) {
    const slot: RouteSlot = { owner: scope.owner, policy, routeCors: undefined, url: `${fastify.prefix}*`, isOptionsRoute: true }
    registerOptionsRoute({ instance: fastify, registry, slot, logLevel: policy.options.logLevel, handler: buildOptionsHandler(scope) })
  }
}

fp(corsPlugin, { fastify: '5.x', name: 'fastify-corsica' })
corsPlugin.corsPlugin = corsPlugin
corsPlugin.default = corsPlugin
corsPlugin.CorsConfigError = errors.CorsConfigError
corsPlugin.errorCodes = Object.freeze({
  FST_CORS_INVALID_OPTIONS: errors.CORS_INVALID_OPTIONS,
  FST_CORS_INVALID_ROUTE_OPTIONS: errors.CORS_INVALID_ROUTE_OPTIONS,
  FST_CORS_INVALID_ORIGIN_RESULT: errors.CORS_INVALID_ORIGIN_RESULT,
  FST_CORS_INVALID_DELEGATOR_RESULT: errors.CORS_INVALID_DELEGATOR_RESULT,
  FST_CORS_OPTIONS_ROUTE_CONFLICT: errors.CORS_OPTIONS_ROUTE_CONFLICT,
  FST_CORS_ROUTE_NOT_COMPILED: errors.CORS_ROUTE_NOT_COMPILED
} as const)

// CommonJS consumers get the plugin itself from require(); the types ride along on it.
declare namespace corsPlugin {
  export type CorsOptions = schema.CorsOptions
  export type RouteCorsOptions = schema.RouteCorsOptions
  export type StaticOrigin = schema.StaticOrigin
  export type OriginFunction = schema.OriginFunction
  export type OriginCallback = schema.OriginCallback
  export type CorsDelegator = schema.CorsDelegator
  export type DelegatorCallback = schema.DelegatorCallback
  export type CorsHook = schema.CorsHook
  export type ConfigIssue = errors.ConfigIssue
}

export = corsPlugin
