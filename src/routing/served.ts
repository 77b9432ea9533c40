import type { FastifyInstance, HTTPMethods } from 'fastify'
import { plainPath, requestSegments } from './pattern.js'
import type { ServerRoutes } from './registry.js'
import type { RouteRecord } from './route-table.js'

/** What Fastify would do with the actual request a preflight asks about (docs/behaviour.md §5). */
export type Served =
  /** No route serves the method on this path: the request would be a 404. */
  | { readonly kind: 'none' }
  /** A route outside every registration's scope serves it: it gets no CORS headers. */
  | { readonly kind: 'outside' }
  /** The request target is not a path the plugin can read (asterisk-form, another scheme): browsers never send one. */
  | { readonly kind: 'unreadable' }
  /** These routes may serve it: the one the router finds, and any the preflight cannot rule out (§5.4). */
  | { readonly kind: 'routes', readonly records: readonly RouteRecord[] }

const NONE: Served = { kind: 'none' }
const OUTSIDE: Served = { kind: 'outside' }
const UNREADABLE: Served = { kind: 'unreadable' }

/** `staticAnswers`: by path, then by method. */
export type StaticAnswers = ReadonlyMap<string, ReadonlyMap<string, Served>>

/**
 * Asks Fastify's router (`findRoute`, with the URL and host) which route serves `method`, and
 * finds it among the routes the plugin saw (§5.2), adding those with a constraint a preflight
 * cannot carry whose pattern may match (§5.4): one or two lookups and two walks of the table,
 * whatever the number of routes; on a static path, the answer computed at ready (`staticAnswers`).
 */
export function servedRoutes (instance: FastifyInstance, routes: ServerRoutes, method: string, url: string, host: string | undefined): Served {
  const { settings, table } = routes
  // A path without percent-escapes is looked up whole when the router found no params; segments only when needed.
  const plain = plainPath(url, settings)
  const known = plain === null ? undefined : routes.answers?.get(plain)?.get(method)
  if (known !== undefined) return known
  let segments = plain === null ? requestSegments(url, settings) : null
  if (plain === null && segments === null) return UNREADABLE
  const segmentsOf = (): string[] => (segments ??= requestSegments(url, settings) as string[])
  const identify = (params: Record<string, string>, derived: boolean): RouteRecord[] => plain !== null && isEmpty(params)
    ? table.identifyStatic(plain, method, host, derived)
    : table.identify(segmentsOf(), params, method, host, derived)
  const found = instance.findRoute({ method: method as HTTPMethods, url, constraints: host === undefined ? undefined : { host } })
  const served = found === null ? [] : identify(found.params as Record<string, string>, false)
  // A route the router serves that the plugin cannot name is outside its scope: no CORS headers.
  if (found !== null && served.length === 0) return OUTSIDE
  // The same for the highest version of a versioned route, which the router finds with version '*'.
  if (instance.hasConstraintStrategy('version')) {
    const versioned = instance.findRoute({ method: method as HTTPMethods, url, constraints: { ...(host === undefined ? {} : { host }), version: '*' } })
    if (versioned !== null && identify(versioned.params as Record<string, string>, true).length === 0) return OUTSIDE
  }
  const constrained = table.derives(method) ? table.constrained(settings.caseSensitive ? segmentsOf() : requestSegments(url, settings, false) as string[], method, host) : []
  const records = (constrained.length === 0 ? served : [...new Set([...served, ...constrained])]).filter((record) => !record.entry.catchAll)
  return records.length === 0 ? NONE : { kind: 'routes', records }
}

/**
 * `servedRoutes` for every static route path and method routed there, computed at ready: the only
 * cache on the preflight path, keyed by routes, never by requests (benchmarks/README.md says what
 * it saves). Null when some route uses a host constraint: the answer then depends on the Host.
 */
export function staticAnswers (instance: FastifyInstance, routes: ServerRoutes): StaticAnswers | null {
  if (instance.hasConstraintStrategy('host')) return null
  const answers = new Map<string, Map<string, Served>>()
  for (const [path, methods] of routes.table.staticPaths()) {
    answers.set(path, new Map(methods.map((method) => [method, servedRoutes(instance, routes, method, path, undefined)])))
  }
  return answers
}

/** True when the router found no params (without building a list of keys). */
function isEmpty (params: object): boolean {
  // eslint-disable-next-line no-unreachable-loop
  for (const _ in params) return false
  return true
}
