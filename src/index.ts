/**
 * fastify-corsica: options → validate → compile → policy → per-request hooks.
 * The rules the code follows are in docs/behaviour.md.
 *
 * - `schema.ts`        TypeBox schema of the options (types come from it)
 * - `options.ts`       schema problems, semantic checks, defaults
 * - `origin.ts`        origin normalization, wildcard patterns, matchers
 * - `tokens.ts`        method and header-name grammar
 * - `policy.ts`        immutable policies with precomputed header values
 * - `registration.ts`  one registration: its settings, plugin policy and route policies
 * - `registry.ts`      what the plugin knows about one server: registrations and routes
 * - `routes.ts`        `onRoute`, route records, the `OPTIONS *` route
 * - `pattern.ts`       route patterns and request paths as Fastify's router reads them
 * - `served.ts`        which route Fastify serves a preflight's method with
 * - `preflight.ts`     judging and answering a preflight
 * - `actual.ts`        the headers of an actual request
 * - `resolve.ts`       per-request parts: delegator, origin function
 * - `user-function.ts` calling user functions, checking what they resolve to
 * - `delegator.ts`     per-request options, compiled once per returned object
 * - `hook.ts`          the Fastify hooks and the OPTIONS handler
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import * as errors from './errors.js'
import { bindHandle, createCorsHandle, type CorsHandle } from './handle.js'
import { buildHooks, buildOptionsHandler } from './hook.js'
import { copyOptions, MAX_AGE_ABOVE_CAP } from './options.js'
import { UNANCHORED_REGEXP } from './origin.js'
import { compilePluginOptions } from './policy.js'
import { PUBLIC_SUFFIX_WILDCARD, REFLECTED_HEADERS_WITH_CREDENTIALS } from './safety.js'
import { Registration } from './registration.js'
import { registryFor } from './registry.js'
import { addOptionsRoute, buildOnRoute } from './routes.js'
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
  // A copy: changing the options object after registration changes nothing (docs/behaviour.md §2.3).
  const raw: schema.CorsOptions = typeof options === 'function' ? { delegator: options } : copyOptions(options)
  const compiled = compilePluginOptions(raw)
  const registration = new Registration(fastify, registryFor(fastify), raw, compiled)
  if (raw.handle !== undefined) {
    const problem = bindHandle(raw.handle, registration)
    if (problem !== null) throw errors.errorWithIssues(errors.CorsConfigError, 'the fastify-corsica options', [{ path: 'handle', message: problem }])
  }
  // Warnings are given once, at registration, never per request (docs/behaviour.md §2.5).
  for (const warning of compiled.warnings) registration.warnConfig(warning, '')
  fastify.addHook('onRoute', buildOnRoute(registration))
  for (const [name, hook] of buildHooks(registration)) fastify.addHook(name as 'onRequest', hook as never)
  if (registration.answersPreflights) {
    addOptionsRoute(registration, { hide: compiled.options.hideOptionsRoute, logLevel: compiled.options.logLevel }, buildOptionsHandler(registration))
  }
}

fp(corsPlugin, { fastify: '5.x', name: 'fastify-corsica' })
corsPlugin.corsPlugin = corsPlugin
corsPlugin.default = corsPlugin
corsPlugin.CorsConfigError = errors.CorsConfigError
corsPlugin.createCorsHandle = createCorsHandle
/** The plugin's coded errors, made with @fastify/error: `error instanceof errorCodes.FST_CORS_INVALID_OPTIONS` (docs/behaviour.md §1.3). */
corsPlugin.errorCodes = Object.freeze({
  FST_CORS_INVALID_OPTIONS: errors.CorsConfigError,
  FST_CORS_INVALID_ROUTE_OPTIONS: errors.CorsRouteConfigError,
  FST_CORS_INVALID_ORIGIN_RESULT: errors.CorsOriginResultError,
  FST_CORS_INVALID_DELEGATOR_RESULT: errors.CorsDelegatorResultError,
  FST_CORS_OPTIONS_ROUTE_CONFLICT: errors.CorsOptionsRouteConflictError
})
/** Codes of the warnings given at registration (docs/behaviour.md §2.5), through `process.emitWarning` and the logger. */
corsPlugin.warningCodes = Object.freeze({
  FST_CORS_UNANCHORED_REGEXP: UNANCHORED_REGEXP,
  FST_CORS_MAX_AGE_ABOVE_CAP: MAX_AGE_ABOVE_CAP,
  FST_CORS_PUBLIC_SUFFIX_WILDCARD: PUBLIC_SUFFIX_WILDCARD,
  FST_CORS_REFLECTED_HEADERS_WITH_CREDENTIALS: REFLECTED_HEADERS_WITH_CREDENTIALS,
  FST_CORS_ROUTE_UNSEEN: errors.CORS_ROUTE_UNSEEN
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
  export type { CorsHandle }
}

export = corsPlugin
