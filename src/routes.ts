import type { FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify'
import { CorsOptionsRouteConflictError, CORS_ROUTE_UNSEEN, errorWithIssues, type ErrorWithIssues } from './errors.js'
import type { Policy } from './policy.js'
import type { Registration } from './registration.js'
import type { AddedRoute, Registry, RouteRecord } from './registry.js'
import type { CorsOptions } from './schema.js'
import { warn } from './warnings.js'

/**
 * Config key of a constrained route's record, where a request on it finds it through
 * `request.routeOptions` (docs/behaviour.md §4.1). Other routes are found by URL and method.
 */
const kRecord = Symbol('fastify-corsica.route')

/** What `onRoute` receives: the route options plus where Fastify put the route. */
type SeenRoute = RouteOptions & { routePath?: string, prefix?: string }

type Config = Record<PropertyKey, unknown>

/** The route config of the route this request landed on (Fastify's public `request.routeOptions`). */
export function routeConfigOf (request: FastifyRequest): Config {
  return request.routeOptions.config as unknown as Config
}

/**
 * The record of the route this request landed on, from its config: its own for a constrained
 * route, else the one of its URL and method, when that one was compiled from this very
 * `config.cors`; undefined for a 404 or a route the plugin never saw.
 */
export function recordIn (registry: Registry, config: Config, method: string): RouteRecord | undefined {
  const own = config[kRecord] as RouteRecord | undefined
  if (own !== undefined) return own
  const record = typeof config.url === 'string' ? registry.recordFor(config.url, method) : undefined
  return record !== undefined && record.routeCors === config.cors ? record : undefined
}

/** Tells a user whose own catch-all would take over the OPTIONS requests the plugin must answer. */
export function optionsRouteConflict (url: string): ErrorWithIssues {
  return errorWithIssues(CorsOptionsRouteConflictError, `route OPTIONS ${url}`, [{
    path: 'preflight',
    message: `fastify-corsica answers preflights on OPTIONS ${url}, and another OPTIONS route was declared there; declare your catch-all without OPTIONS (e.g. method: ['GET', 'POST']), or register fastify-corsica with preflight: false and answer preflights yourself`
  }])
}

const UNCONSTRAINED: Pick<AddedRoute, 'host' | 'underivable'> = { host: undefined, underivable: null }

/** Splits a route's constraints into the host (a preflight carries it) and the rest (it cannot). */
function constraintsOf (route: SeenRoute): Pick<AddedRoute, 'host' | 'underivable'> {
  if (route.constraints === undefined) return UNCONSTRAINED
  const { host, ...rest } = route.constraints as Record<string, unknown>
  return {
    host: host as string | RegExp | undefined,
    underivable: Object.keys(rest).length === 0 ? null : rest
  }
}

/**
 * The other URL Fastify registers a route at, if any. A `'/'` route inside a prefixed plugin is
 * served both as `/prefix` and `/prefix/` (Fastify's default `prefixTrailingSlash: 'both'`),
 * but `onRoute` only sees the first: the second is added unless the route said otherwise or
 * the router ignores trailing slashes (docs/behaviour.md §5.2).
 */
function extraUrlOf (registry: Registry, route: SeenRoute, methods: readonly string[]): string | null {
  const prefixed = route.routePath === '' && route.prefix !== undefined && route.prefix !== ''
  if (!prefixed || route.prefixTrailingSlash === 'no-slash' || registry.settings.ignoreTrailingSlash || methods.includes('HEAD')) return null
  return `${route.url}/`
}

/**
 * The `onRoute` hook of a registration: compiles each route's `config.cors` once, when the
 * route is added (docs/behaviour.md §2.3), and records the route so a preflight can be
 * judged by it. A registration nested in another sees the route after it and takes it over.
 */
export function buildOnRoute (registration: Registration): (route: SeenRoute) => void {
  const registry = registration.registry
  return function corsicaOnRoute (route: SeenRoute): void {
    // The plugin's own OPTIONS routes are recorded where they are added.
    if (registry.optionsHandlers.has(route.handler)) return
    const marked = registry.marks.get(route)
    const methods = Array.isArray(route.method) ? route.method.slice() : [route.method]
    if (methods.includes('OPTIONS') && registry.hasOptionsRoute(route.url)) throw optionsRouteConflict(route.url)
    const routeCors = (route.config as Config | undefined)?.cors as RouteRecord['routeCors']
    const added: AddedRoute = {
      owner: registration,
      policy: registration.routePolicy(routeCors, () => `${methods.join(',')} ${route.url}`),
      routeCors,
      methods,
      url: route.url,
      extra: extraUrlOf(registry, route, methods),
      ...constraintsOf(route),
      isCatchAll: false
    }
    const record = marked === undefined ? registry.add(added) : registry.takeOver(marked, methods, added)
    if (record === null) return
    registry.marks.set(route, record)
    if (record.host !== undefined || record.underivable !== null) route.config = { ...route.config, [kRecord]: record } as typeof route.config
  }
}

/** The handler of the `OPTIONS *` route; see hook.ts. */
export type OptionsHandler = (request: FastifyRequest, reply: FastifyReply) => void

/**
 * Registers `OPTIONS *` in the registration's scope so every preflight has a route to land on;
 * a user's own OPTIONS route for a path is more specific and wins for that path
 * (docs/behaviour.md §3.7). A second registration at the same prefix shares the first one's:
 * preflights are judged by the registration owning the route they ask about (§4.2).
 */
export function addOptionsRoute (registration: Registration, options: { hide: boolean, logLevel: CorsOptions['logLevel'] }, handler: OptionsHandler): void {
  const { instance, registry } = registration
  const url = `${instance.prefix}*`
  if (registry.hasOptionsRoute(url)) return
  if (instance.hasRoute({ method: 'OPTIONS', url: url === '*' ? '/*' : url })) throw optionsRouteConflict(url)
  registry.addOptionsRoute(url)
  registry.optionsHandlers.add(handler)
  registry.add({ owner: registration, policy: registration.policy, routeCors: undefined, methods: ['OPTIONS'], url, extra: null, host: undefined, underivable: null, isCatchAll: true })
  instance.route({
    method: 'OPTIONS',
    url: '*',
    // 'hide' is read by @fastify/swagger; Fastify itself ignores it.
    schema: { hide: options.hide } as FastifySchema,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    handler
  })
}

/**
 * The policy of a route this registration's hook runs on but whose `onRoute` it never saw
 * (declared before `await app.register(corsPlugin)`): the plugin's own policy, or its
 * `config.cors` compiled at its first request; options that fail validation turn CORS off
 * for the route rather than fail the request. Warns once per route (docs/behaviour.md §3.10).
 */
export function unseenRoutePolicy (registration: Registration, config: Config): Policy {
  const routeCors = config.cors
  if (routeCors === undefined) return registration.policy
  const unseenPolicies = registration.unseenPolicies
  let policy = unseenPolicies.get(config)
  if (policy !== undefined) return policy
  const route = `${String(config.method)} ${String(config.url)}`
  const advice = 'it was declared before fastify-corsica loaded, so its config.cors was first read at its first request and its preflights are refused; declare routes after `await app.register(corsPlugin, ...)`'
  try {
    policy = registration.routePolicy(routeCors, () => route)
    warn(registration.instance, CORS_ROUTE_UNSEEN, `route ${route}: ${advice}`)
  } catch (error) {
    policy = registration.routePolicy(false, () => route)
    warn(registration.instance, CORS_ROUTE_UNSEEN, `route ${route}: CORS is off for this route because ${advice}, and they are invalid: ${(error as Error).message}`)
  }
  unseenPolicies.set(config, policy)
  return policy
}
