/**
 * fastify-corsica: options → validate → compile → policy → per-request hook.
 *
 * - `schema.ts`   TypeBox schema of the options (types come from it)
 * - `options.ts`  schema problems, semantic checks, defaults
 * - `origin.ts`   origin normalization, wildcard patterns, matchers
 * - `tokens.ts`   method and header-name grammar
 * - `policy.ts`   immutable policy with precomputed header values
 * - `request.ts`  what happens to one request: actual or preflight
 * - `hook.ts`     the Fastify hook for the configured lifecycle stage
 * - `routes.ts`   the `OPTIONS *` route every preflight lands on
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import * as errors from './errors.js'
import { buildHook, type Scope } from './hook.js'
import { compilePluginOptions } from './policy.js'
import { registerOptionsRoute } from './routes.js'
import type * as schema from './schema.js'

/**
 * Registers CORS for the scope it is registered in.
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
 * ```
 */
async function corsPlugin (fastify: FastifyInstance, options: schema.CorsOptions): Promise<void> {
  const { policy, warnings } = compilePluginOptions(options)
  // Warnings are logged once, at registration, never per request (SPEC 4).
  for (const warning of warnings) fastify.log.warn(`fastify-corsica: ${warning}`)

  const scope: Scope = {
    instance: fastify,
    policy,
    hook: policy.options.hook,
    token: Symbol('fastify-corsica.options-route')
  }
  fastify.addHook(scope.hook as 'onRequest', buildHook(scope) as never)
  if (policy.options.preflight) registerOptionsRoute(scope)
}

fp(corsPlugin, { fastify: '5.x', name: 'fastify-corsica' })
corsPlugin.corsPlugin = corsPlugin
corsPlugin.default = corsPlugin
corsPlugin.CorsConfigError = errors.CorsConfigError
corsPlugin.errorCodes = Object.freeze({
  FST_CORS_INVALID_OPTIONS: errors.CORS_INVALID_OPTIONS,
  FST_CORS_INVALID_ROUTE_OPTIONS: errors.CORS_INVALID_ROUTE_OPTIONS,
  FST_CORS_INVALID_ORIGIN_RESULT: errors.CORS_INVALID_ORIGIN_RESULT
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
