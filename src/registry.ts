import type { FastifyInstance } from 'fastify'
import { firstSegmentOf, routePatterns, routerSettings, spells, type Pattern, type RouterSettings } from './pattern.js'
import type { Policy } from './policy.js'
import type { Registration } from './registration.js'
import type { RouteCorsOptions } from './schema.js'
import type { ServedEntry } from './served.js'

/** Asks the router for the highest version of a versioned route; any recorded version fits it (docs/behaviour.md §5.4). */
export const ANY_VERSION = '*'

/** One route URL as Fastify registered it (prefix included), and the routes the plugin saw on it. */
export interface UrlEntry {
  readonly url: string
  /** Another URL Fastify serves these routes at (a prefixed `'/'` route's `/prefix/`), or null. */
  extra: string | null
  /**
   * What the URLs stand for (two patterns for a trailing optional parameter), parsed at the
   * first preflight that needs them: a route no preflight asks about costs no parsing.
   */
  patterns: readonly Pattern[] | null
  routes: readonly RouteRecord[]
  /** Access-Control-Allow-Methods under `methods: 'auto'`, joined at the first preflight that needs it. */
  autoMethods: string | null
}

/**
 * What the plugin knows about one or more routes it saw being added on one URL (docs/behaviour.md
 * §4.1, §5.2). Routes on a URL that share owner, policy and constraints share one record.
 */
export interface RouteRecord {
  /** The innermost registration that saw the routes: its hook acts on them. */
  owner: Registration
  /** The routes' policy under their owner: the owner's, or `config.cors` merged over it. */
  policy: Policy
  /** The routes' own `config.cors`, merged under a delegator's per-request options. */
  routeCors: RouteCorsOptions | false | undefined
  methods: readonly string[]
  readonly entry: UrlEntry
  /** The routes' `host` constraint, which a preflight carries (its Host header). */
  readonly host: string | RegExp | undefined
  /** Constraints a preflight cannot carry (`version`, custom strategies), or null. */
  readonly underivable: Readonly<Record<string, unknown>> | null
  /** The plugin's own `OPTIONS *` route: a preflight that lands there for OPTIONS has no route of its own. */
  readonly isCatchAll: boolean
}

/** What the router found for a preflight's method, to be matched with the recorded routes. */
export interface CandidateQuery {
  readonly method: string
  /** The request's path as the router reads it (`requestPath`). */
  readonly path: string
  /** The params the router found. */
  readonly params: Readonly<Record<string, string | undefined>>
  readonly host: string | undefined
  /** The values the router was asked with for constraints a preflight cannot carry. */
  readonly assumed: Readonly<Record<string, unknown>>
}

/** What a route brings to the registry when it is added. */
export interface AddedRoute {
  readonly owner: Registration
  readonly policy: Policy
  readonly routeCors: RouteCorsOptions | false | undefined
  readonly methods: readonly string[]
  readonly url: string
  /** Another URL Fastify registers the route at (a prefixed `'/'` route's `/prefix/`), or null. */
  readonly extra: string | null
  readonly host: string | RegExp | undefined
  readonly underivable: Readonly<Record<string, unknown>> | null
  readonly isCatchAll: boolean
}

/**
 * What the plugin knows about one server, shared by every registration on it: the
 * registrations, the routes they saw, and the router settings Fastify routes with.
 */
export class Registry {
  readonly settings: RouterSettings
  readonly registrations: Registration[] = []
  /** What Fastify serves a preflight's method with, by URL, then method and Host (served.ts). */
  readonly served = new Map<string, ServedEntry[]>()
  /** Every method some recorded route serves, for explanations under `methods: 'auto'` (docs/behaviour.md §3.12). */
  readonly routedMethods = new Set<string>()
  private readonly byUrl = new Map<string, UrlEntry>()
  /** URL entries by the first path segment of their patterns; `generic` for a segment holding a parameter. */
  private readonly bySegment = new Map<string, UrlEntry[]>()
  private readonly generic: UrlEntry[] = []
  /** For each method, the values its routes declare for each constraint a preflight cannot carry. */
  private readonly underivable = new Map<string, Map<string, Set<unknown>>>()
  private readonly optionsRoutes = new Set<string>()
  private readonly claimed = new WeakMap<object, Registration>()
  /** The record of each route options object `onRoute` hooks received, for registrations nested in the one that recorded it. */
  readonly marks = new WeakMap<object, RouteRecord>()
  /** The handlers of the plugin's own `OPTIONS *` routes, which `onRoute` leaves alone. */
  readonly optionsHandlers = new WeakSet<object>()

  constructor (instance: FastifyInstance) {
    this.settings = routerSettings(instance.initialConfig)
  }

  /**
   * Records a route, in the record of an equal one on its URL when there is one. A method the
   * URL already has under the same constraints is a duplicate that Fastify refuses right after
   * `onRoute`: it is not recorded. Returns the record, or null when nothing was recorded.
   */
  add (route: AddedRoute): RouteRecord | null {
    const entry = this.entryFor(route.url, route.extra)
    const sameConstraints = (record: RouteRecord): boolean => record.host === route.host && sameValues(record.underivable, route.underivable)
    const methods = route.methods.filter((method) => !entry.routes.some((record) => sameConstraints(record) && record.methods.includes(method)))
    if (methods.length === 0) return null
    // Arrays kept for the life of the server are built by concat, which sizes them to their
    // content (an array grown by push or spread keeps spare room: 10,000 routes, a few MB).
    let record = entry.routes.find((record) => sameConstraints(record) && record.owner === route.owner && record.policy === route.policy && record.routeCors === route.routeCors && record.isCatchAll === route.isCatchAll)
    if (record === undefined) {
      record = { owner: route.owner, policy: route.policy, routeCors: route.routeCors, methods, entry, host: route.host, underivable: route.underivable, isCatchAll: route.isCatchAll }
      entry.routes = entry.routes.concat(record)
    } else {
      record.methods = record.methods.concat(methods)
    }
    entry.autoMethods = null
    if (!route.isCatchAll) for (const method of methods) this.routedMethods.add(method)
    for (const [name, value] of Object.entries(route.underivable ?? {})) {
      for (const method of methods) {
        let byName = this.underivable.get(method)
        if (byName === undefined) this.underivable.set(method, byName = new Map())
        let values = byName.get(name)
        if (values === undefined) byName.set(name, values = new Set())
        values.add(value)
      }
    }
    return record
  }

  /** The records a registration owns, its own `OPTIONS *` route's included. */
  recordsOf (owner: Registration): RouteRecord[] {
    const records: RouteRecord[] = []
    for (const entry of this.byUrl.values()) {
      for (const record of entry.routes) if (record.owner === owner) records.push(record)
    }
    return records
  }

  /**
   * A registration nested in the owner of `record` saw these of its routes after it: they are
   * the nested one's now, with the policy it compiled (docs/behaviour.md §4.1).
   */
  takeOver (record: RouteRecord, methods: readonly string[], route: AddedRoute): RouteRecord | null {
    if (methods.length === record.methods.length) {
      record.owner = route.owner
      record.policy = route.policy
      record.routeCors = route.routeCors
      return record
    }
    record.methods = record.methods.filter((method) => !methods.includes(method))
    return this.add({ ...route, methods })
  }

  private entryFor (url: string, extra: string | null): UrlEntry {
    let entry = this.byUrl.get(url)
    if (entry === undefined) {
      entry = { url, extra: null, patterns: null, routes: [], autoMethods: null }
      this.byUrl.set(url, entry)
      this.index(entry, url)
    }
    // The other URL is this one and a slash: listed under the same first segment already.
    if (extra !== null && entry.extra === null) {
      entry.extra = extra
      entry.patterns = null
    }
    return entry
  }

  /** Lists the entry under the first segment of its URL. */
  private index (entry: UrlEntry, url: string): void {
    const segment = this.segmentOf(url)
    if (segment === null) {
      this.generic.push(entry)
      return
    }
    const list = this.bySegment.get(segment)
    if (list === undefined) this.bySegment.set(segment, [entry])
    else list.push(entry)
  }

  /** The first path segment of a route URL as the router compares it, or null when it holds a parameter or wildcard. */
  private segmentOf (url: string): string | null {
    let path = url
    if (this.settings.ignoreDuplicateSlashes) path = path.replace(/\/\/+/g, '/')
    const segment = firstSegmentOf(path)
    if (segment.includes(':') || segment.includes('*') || path.charCodeAt(0) !== 47) return null
    return this.settings.caseSensitive ? segment : segment.toLowerCase()
  }

  /** The entry's patterns, parsed once. */
  private patternsOf (entry: UrlEntry): readonly Pattern[] {
    if (entry.patterns === null) {
      const patterns = routePatterns(entry.url, this.settings)
      entry.patterns = entry.extra === null ? patterns : patterns.concat(routePatterns(entry.extra, this.settings))
    }
    return entry.patterns
  }

  /**
   * The record of an unconstrained route on this URL with this method: what a request that
   * landed on it is decided by. Constrained routes carry their record in their config instead.
   */
  recordFor (url: string, method: string): RouteRecord | undefined {
    const entry = this.byUrl.get(url)
    if (entry === undefined) return undefined
    for (const record of entry.routes) {
      if (record.host === undefined && record.underivable === null && record.methods.includes(method)) return record
    }
    return undefined
  }

  /** For each constraint a preflight for `method` cannot carry, the values its routes declare; null when there are none. */
  underivableValues (method: string): ReadonlyMap<string, ReadonlySet<unknown>> | null {
    return this.underivable.get(method) ?? null
  }

  /**
   * The recorded routes that could be the route Fastify's router found for `query.path` (a
   * `requestPath`) with `query.params`, under the request's Host and the underivable
   * constraint values the router was asked with: their pattern spells the path with those
   * params, and their constraints allow the request (docs/behaviour.md §5.2).
   */
  candidates (query: CandidateQuery): RouteRecord[] {
    const found: RouteRecord[] = []
    const consider = (entries: readonly UrlEntry[] | undefined): void => {
      for (const entry of entries ?? []) {
        if (!this.patternsOf(entry).some((pattern) => spells(pattern, query.params, query.path, this.settings.caseSensitive))) continue
        for (const record of entry.routes) {
          if (record.methods.includes(query.method) && allowsHost(record.host, query.host) && allowsAssumed(record.underivable, query.assumed)) found.push(record)
        }
      }
    }
    consider(this.bySegment.get(firstSegmentOf(query.path)))
    consider(this.generic)
    return preferHostConstrained(found)
  }

  /**
   * Access-Control-Allow-Methods under `methods: 'auto'` for a preflight served by a route on
   * `entry`: the methods routed on that URL, OPTIONS aside; '' when no route serves it.
   */
  autoMethods (entry: UrlEntry | null): string {
    if (entry === null) return ''
    if (entry.autoMethods === null) {
      const methods = new Set(entry.routes.flatMap((record) => record.methods))
      methods.delete('OPTIONS')
      entry.autoMethods = [...methods].join(', ')
    }
    return entry.autoMethods
  }

  /**
   * For a request on no recorded route: true for the first registration whose hook takes it,
   * and for that one only, so two registrations never mix their headers (docs/behaviour.md §4.1).
   */
  claim (request: object, registration: Registration): boolean {
    if (this.registrations.length === 1) return true
    const taken = this.claimed.get(request)
    if (taken !== undefined) return taken === registration
    this.claimed.set(request, registration)
    return true
  }

  /** Whether a registration already put its `OPTIONS *` route at this URL. */
  hasOptionsRoute (url: string): boolean {
    return this.optionsRoutes.has(catchAllPath(url))
  }

  addOptionsRoute (url: string): void {
    this.optionsRoutes.add(catchAllPath(url))
  }
}

function sameValues (a: Readonly<Record<string, unknown>> | null, b: Readonly<Record<string, unknown>> | null): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b)
}

/** Fastify stores the path '*' as '/*'; compare catch-all paths in that form. */
function catchAllPath (url: string): string {
  return url === '*' ? '/*' : url
}

/** A host constraint allows the request's Host when equal to it, or a RegExp it matches (find-my-way's host strategy). */
function allowsHost (constraint: string | RegExp | undefined, host: string | undefined): boolean {
  if (constraint === undefined) return true
  if (host === undefined) return false
  return typeof constraint === 'string' ? constraint === host : constraint.test(host)
}

/**
 * The router was asked with `assumed` values for the constraints a preflight cannot carry. A
 * versioned route fits only when that version (or any, for the highest) was assumed, and an
 * unversioned one only when none was: the router matches versions that way. A route with a
 * custom constraint fits when it has the assumed value; one without is kept whatever was
 * assumed, since keeping a route the router would not pick only makes the answer stricter
 * (docs/behaviour.md §5.4).
 */
function allowsAssumed (underivable: Readonly<Record<string, unknown>> | null, assumed: Readonly<Record<string, unknown>>): boolean {
  const version = underivable?.version
  if (version === undefined ? assumed.version !== undefined : assumed.version !== version && assumed.version !== ANY_VERSION) return false
  for (const name in underivable) {
    if (name !== 'version' && assumed[name] !== underivable[name]) return false
  }
  return true
}

/**
 * Of routes on the same URL with the same other constraints, one whose host constraint
 * matches wins over one without (find-my-way prefers the handler with more constraints).
 */
function preferHostConstrained (found: RouteRecord[]): RouteRecord[] {
  if (found.length < 2 || !found.some((record) => record.host !== undefined)) return found
  return found.filter((record) => record.host !== undefined || !found.some((other) => other.host !== undefined && other.entry === record.entry && sameValues(other.underivable, record.underivable)))
}

const registries = new WeakMap<object, Registry>()

/** One registry per server, so every registration of the plugin sees every route. */
export function registryFor (instance: FastifyInstance): Registry {
  let registry = registries.get(instance.server)
  if (registry === undefined) registries.set(instance.server, registry = new Registry(instance))
  return registry
}
