import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify'
import { requestPath } from './pattern.js'
import { ANY_VERSION, type Registry, type RouteRecord } from './registry.js'

/** What Fastify would do with the actual request a preflight asks about (docs/behaviour.md §5). */
export type Served =
  /** No route serves the method on this path: the request would be a 404. */
  | { readonly kind: 'none' }
  /** A route the plugin never saw serves it (declared before the plugin loaded, or outside its scopes). */
  | { readonly kind: 'unknown' }
  /** These recorded routes may serve it: one, or several when the preflight cannot tell (§5.4). */
  | { readonly kind: 'routes', readonly records: readonly RouteRecord[] }

const NONE: Served = { kind: 'none' }
const UNKNOWN: Served = { kind: 'unknown' }

// More combinations of constraint values than this are not tried one by one (§5.4).
const MAX_COMBINATIONS = 64

/**
 * Asks Fastify's own router (the public `findRoute`) which route serves `method` for this
 * request's URL and Host, then finds which of the routes the plugin recorded it is: a recorded
 * route whose pattern, with the params the router found, spells the request's path (§5.2).
 * Constraints a preflight cannot carry (`version`, custom strategies) are tried with every
 * value the recorded routes declare, and with the highest version when any route has one;
 * every route found is a candidate (§5.4).
 */
export function servedRoutes (instance: FastifyInstance, registry: Registry, method: string, request: FastifyRequest): Served {
  const host = request.headers.host
  const url = request.url
  // Routes are fixed once the server is ready, so the answer for a URL, method and Host is too:
  // browsers preflight the same few URLs again and again. Found by URL, then compared (§7).
  let known = registry.served.get(url)
  if (known !== undefined) {
    for (const entry of known) {
      if (entry.method === method && entry.host === host) return entry.served
    }
  }
  const served = findServed(instance, registry, method, url, host)
  if (url.length <= MAX_URL_LENGTH && method.length <= MAX_METHOD_LENGTH && (host === undefined || host.length <= MAX_HOST_LENGTH)) {
    if (known === undefined || known.length >= MAX_ENTRIES_PER_URL) {
      if (known === undefined && registry.served.size >= MAX_URLS) registry.served.clear()
      registry.served.set(url, known = [])
    }
    known.push({ method, host, served })
  }
  return served
}

/** One remembered answer for a URL. */
export interface ServedEntry {
  readonly method: string
  readonly host: string | undefined
  readonly served: Served
}

// Bounds of the remembered answers: URLs, methods and hosts per URL, and the length of each key.
const MAX_URLS = 1000
const MAX_ENTRIES_PER_URL = 16
const MAX_URL_LENGTH = 512
const MAX_METHOD_LENGTH = 32
const MAX_HOST_LENGTH = 256

function findServed (instance: FastifyInstance, registry: Registry, method: string, url: string, host: string | undefined): Served {
  const combinations = combinationsOf(registry.underivableValues(method))
  if (combinations === null) return UNKNOWN
  // Some route uses a version, maybe one the plugin never saw: ask for the highest one too.
  if (instance.hasConstraintStrategy('version')) combinations.push({ version: ANY_VERSION })
  const path = requestPath(url, registry.settings)
  // A path the router could not read either: it answers 400 and runs no handler.
  if (path === null) return UNKNOWN
  const records: RouteRecord[] = []
  let foundAny = false
  for (const assumed of combinations) {
    const constraints = host === undefined ? assumed : { ...assumed, host }
    const found = instance.findRoute({ method: method as HTTPMethods, url, constraints })
    if (found === null) continue
    foundAny = true
    const candidates = registry.candidates({ method, path, params: found.params as Record<string, string>, host, assumed })
    // A route the router found but the plugin cannot name: the plugin never saw it.
    if (candidates.length === 0) return UNKNOWN
    for (const record of candidates) if (!records.includes(record)) records.push(record)
  }
  if (!foundAny || records.every((record) => record.isCatchAll)) return NONE
  return { kind: 'routes', records: records.filter((record) => !record.isCatchAll) }
}

/** Every combination of the values routes declare for constraints a preflight cannot carry, none included; null when too many. */
function combinationsOf (values: ReadonlyMap<string, ReadonlySet<unknown>> | null): Array<Record<string, unknown>> | null {
  let combinations: Array<Record<string, unknown>> = [{}]
  if (values === null) return combinations
  for (const [name, declared] of values) {
    const next: Array<Record<string, unknown>> = []
    for (const combination of combinations) {
      next.push(combination)
      for (const value of declared) next.push({ ...combination, [name]: value })
    }
    if (next.length > MAX_COMBINATIONS) return null
    combinations = next
  }
  return combinations
}
