/**
 * fastify-corsica: options → validate → compile → one immutable state → per-request hooks.
 * The rules the code follows are in docs/behaviour.md. A newcomer reads, top-down:
 *
 * - `registration.ts`    one `register()`: its compiled state, its routes, `reconfigure`
 * - `handle.ts`          `createCorsHandle()`, to reconfigure a registration at runtime
 * - `policies.ts`        `app.printCorsPolicies()`: every route's effective policy
 * - `config/`            options to policies, shared by every layer below it
 *   - `compiled.ts`        the compiled types every layer shares (Policy, CompiledState)
 *   - `types.ts`           the option types, by hand (the declarations need no TypeBox)
 *   - `schema.ts`          TypeBox schema of the options, build time only (checked against types.ts)
 *   - `option-names.ts`    option names and what each accepts, without loading TypeBox
 *   - `generated/checks.ts` validators generated from the schema (`npm run generate`)
 *   - `options.ts`         schema problems, one check per option, defaults, inheritance
 *   - `origin.ts`          origin normalization, wildcard patterns, matchers
 *   - `regexp-cost.ts`     what a RegExp origin costs on well-formed origins
 *   - `safety.ts`          refusals and warnings about origins and headers
 *   - `tokens.ts`          method and header-name grammar
 *   - `frozen.ts`          user functions' results, frozen and compiled once per object
 *   - `policy.ts`          building a policy; plugin, route and delegated options
 *   - `errors.ts`          coded errors
 * - `routing/`           which route a preflight is for
 *   - `registry.ts`        the routes of one server, seen by `onRoute`, and their table
 *   - `route-table.ts`     routes indexed by pattern segments: identify, constrained candidates
 *   - `pattern.ts`         route patterns and request paths as Fastify's router reads them
 *   - `served.ts`          which route Fastify serves a preflight's method with
 *   - `printed-routes.ts`  routes as `printRoutes` lists them (routes declared before the plugin)
 * - `request/`           what happens per request
 *   - `hooks.ts`           the Fastify hooks (and the onSend backstop) and the `OPTIONS *` handler
 *   - `preflight.ts`       judging and answering a preflight
 *   - `actual.ts`          the headers of an actual request
 *   - `resolve.ts`         per-request parts: delegator, origin function
 *   - `delegator.ts`       per-request options, compiled once per returned object
 *   - `user-function.ts`   calling user functions, checking what they resolve to
 *   - `explain.ts`         refusals explained at debug level, decisions published (diagnostics_channel)
 *   - `vary.ts`
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import * as errors from './config/errors.js'
import { MAX_AGE_ABOVE_CAP, PUBLIC_ROUTE_WITHOUT_CREDENTIALS } from './config/options.js'
import { UNANCHORED_REGEXP } from './config/origin.js'
import { PUBLIC_SUFFIX_WILDCARD, REFLECTED_HEADERS_WITH_CREDENTIALS } from './config/safety.js'
import type * as schema from './config/types.js'
import { bindHandle, createCorsHandle } from './handle.js'
import { printCorsPolicies } from './policies.js'
import { Registration } from './registration.js'
import { actualRequest, kDecided } from './request/actual.js'
import { buildHooks, buildOptionsHandler } from './request/hooks.js'
import { routesOf, type SeenRoute } from './routing/registry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The effective CORS policy of every route, after `ready()` (docs/behaviour.md §9). */
    printCorsPolicies: () => string
  }
  interface FastifyContextConfig {
    /** This route's CORS options over the plugin's, or `false` to turn CORS off (preflights get 403). */
    cors?: schema.RouteCorsOptions | false
  }
}

/**
 * Registers CORS for the scope it is registered in. Options are validated and compiled once;
 * each route's `config.cors` is compiled from its final options when the app becomes ready.
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
  const registration = new Registration(fastify, typeof options === 'function' ? { delegator: options } : options)
  const handle = registration.options.handle
  if (handle !== undefined) {
    const problem = bindHandle(handle, registration)
    if (problem !== null) throw errors.errorWithIssues(errors.CorsConfigError, 'the options', [{ path: 'handle', message: problem }])
  }
  if (!fastify.hasRequestDecorator(kDecided)) fastify.decorateRequest(kDecided, false)
  if (!fastify.hasDecorator('printCorsPolicies')) fastify.decorate('printCorsPolicies', function (this: FastifyInstance) { return printCorsPolicies(routesOf(this)) })
  const { optionsHandlers } = registration.routes
  fastify.addHook('onRoute', (route: SeenRoute) => { registration.onRoute(route, optionsHandlers.has(route.handler)) })
  for (const [name, hook] of buildHooks(registration)) fastify.addHook(name as 'onRequest', hook as never)
  if (registration.answersPreflights) registration.addOptionsRoute(buildOptionsHandler(registration))
  fastify.addHook('onReady', async () => { registration.onReady() })
}

fp(corsPlugin, { fastify: '5.x', name: 'fastify-corsica' })
corsPlugin.corsPlugin = corsPlugin
corsPlugin.default = corsPlugin
corsPlugin.CorsConfigError = errors.CorsConfigError
corsPlugin.createCorsHandle = createCorsHandle
/**
 * For Fastify's `frameworkErrors` option: Fastify answers a malformed URL or a too-long parameter
 * before any hook runs; through this, with the CORS headers of the first registration's plugin
 * options, as a 404 gets them (docs/behaviour.md §3.13).
 */
corsPlugin.frameworkErrors = function corsFrameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const first = routesOf(request.server).first as Registration | null
  // reply.send(error) answers with the error's status, as Fastify does without frameworkErrors.
  if (first === null) reply.send(error)
  else actualRequest(first, request, reply, undefined, (problem) => { reply.send(problem ?? error) })
}
/** The plugin's coded errors, made with @fastify/error: `error instanceof errorCodes.FST_CORS_INVALID_OPTIONS` (docs/behaviour.md §1.3). */
corsPlugin.errorCodes = Object.freeze({
  FST_CORS_INVALID_OPTIONS: errors.CorsConfigError,
  FST_CORS_INVALID_ROUTE_OPTIONS: errors.CorsRouteConfigError,
  FST_CORS_OPTIONS_ROUTE_CONFLICT: errors.CorsOptionsRouteConflictError,
  FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN: errors.CorsRoutesUnseenError,
  FST_CORS_HANDLE_NOT_BOUND: errors.CorsHandleNotBoundError,
  FST_CORS_NOT_READY: errors.CorsNotReadyError,
  FST_CORS_INVALID_ORIGIN_RESULT: errors.CorsOriginResultError,
  FST_CORS_INVALID_DELEGATOR_RESULT: errors.CorsDelegatorResultError
})
/** Codes of the warnings given at registration (docs/behaviour.md §2.5), through `process.emitWarning` and the logger. */
corsPlugin.warningCodes = Object.freeze({
  FST_CORS_UNANCHORED_REGEXP: UNANCHORED_REGEXP,
  FST_CORS_MAX_AGE_ABOVE_CAP: MAX_AGE_ABOVE_CAP,
  FST_CORS_PUBLIC_SUFFIX_WILDCARD: PUBLIC_SUFFIX_WILDCARD,
  FST_CORS_REFLECTED_HEADERS_WITH_CREDENTIALS: REFLECTED_HEADERS_WITH_CREDENTIALS,
  FST_CORS_PUBLIC_ROUTE_WITHOUT_CREDENTIALS: PUBLIC_ROUTE_WITHOUT_CREDENTIALS
} as const)

// CommonJS consumers get the plugin itself from require(); the types ride along on it.
declare namespace corsPlugin {
  export type CorsOptions = schema.CorsOptions
  export type RouteCorsOptions = schema.RouteCorsOptions
  export type StaticOrigin = schema.StaticOrigin
  export type OriginItem = schema.OriginItem
  export type OriginFunction = schema.OriginFunction
  export type OriginCallback = schema.OriginCallback
  export type CorsDelegator = schema.CorsDelegator
  export type DelegatorCallback = schema.DelegatorCallback
  export type CorsHook = schema.CorsHook
  export type ConfigIssue = import('./config/compiled.js').ConfigIssue
  export type CorsDecision = import('./request/explain.js').CorsDecision
  export type ReasonCode = import('./request/explain.js').ReasonCode
  export type CorsHandle = schema.CorsHandle
}

export = corsPlugin
