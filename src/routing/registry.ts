import type { FastifyInstance, FastifyRequest, HTTPMethods, RouteOptions } from 'fastify'
import { collapseSlashes, routerSettings, routeShapes, type PatternSegment, type RouterSettings } from './pattern.js'
import { printedRoutes } from './printed-routes.js'
import { RouteTable, type Owner, type RouteEntry, type RouteRecord } from './route-table.js'
import type { StaticAnswers } from './served.js'

/** The config key under which a route carries its entry; read back through the public `request.routeOptions.config`. */
export const kRoute = Symbol('fastify-corsica.route')

/** What `onRoute` receives: the route options, which later hooks may still change, and where Fastify put the route. */
export type SeenRoute = RouteOptions & { routePath?: string, prefix?: string }

/** A route `onRoute` reported, and its URL then: a prefixed `'/'` route is added again at `url + '/'` afterwards. */
interface Seen { readonly entry: RouteEntry, readonly route: SeenRoute, readonly url: string }

/** What a request says of the route it landed on: `request.routeOptions`, read once per hook (each read builds it anew). */
export type LandedRoute = Pick<FastifyRequest['routeOptions'], 'config' | 'url'>

/** A route with a `config.cors` of its own (final), as its owner compiles it. */
export interface OwnedRoute { readonly entry: RouteEntry, readonly method: string | readonly string[], readonly url: string, readonly cors: unknown }

/** `METHOD url`, for messages. */
export function routeName ({ method, url }: OwnedRoute): string {
  return `${Array.isArray(method) ? method.join(',') : method as string} ${url}`
}

/**
 * The routes of one server, shared by its registrations (siblings share one `OPTIONS *` route, so
 * each must see the other's routes): each seen by `onRoute` with the entry of the innermost
 * registration that saw it, and, once the app is ready, the route table of their final options (§4.1, §5).
 */
export class ServerRoutes {
  readonly settings: RouterSettings
  registrations = 0
  /** The first registration on the server: it decides requests on no route of the plugin's first (§4.1). */
  first: Owner | null = null
  /** URLs of the plugin's own `OPTIONS *` routes, and their handlers (which `onRoute` records as catch-alls). */
  readonly optionsRoutes = new Set<string>()
  readonly optionsHandlers = new WeakSet<object>()
  /** Routes as `onRoute` reported them, until the table is built; then only what is needed of them (Fastify frees the rest). */
  private readonly seen = new Map<object, Seen>()
  private owned: readonly OwnedRoute[] = []
  private readonly lost = new Map<string, RouteEntry>()
  private readonly claimed = new WeakSet<object>()
  private built: RouteTable | null = null
  /** `staticAnswers`, set once when the app becomes ready (`ready`). */
  answers: StaticAnswers | null = null
  ready = false
  /** For each registration (by the name of its hooks), the routes that existed when it loaded (by key, with their printed names). */
  private readonly before = new Map<string, ReadonlyMap<string, string>>()
  /** The hooks registrations add ('onRequest', and their `hook`): all `printRoutes` needs to show. */
  private readonly hookKinds = new Set<string>()
  private unseenChecked = false

  constructor (instance: FastifyInstance) {
    this.settings = routerSettings(instance.initialConfig)
  }

  /** Records a route `onRoute` reports and marks it with its entry; a registration nested in another sees it later, and takes it over. */
  record (route: SeenRoute, entry: RouteEntry): void {
    this.seen.set(route, { entry, route, url: route.url })
    // Fastify keeps a copy of config with url and method written last; when they are there already,
    // V8 gives every route's copy one shape instead of one each (2.5 MB at 10,000 routes, benchmarks/README.md).
    route.config = { url: undefined, method: undefined, ...route.config, [kRoute]: entry } as SeenRoute['config']
  }

  /** The routes `owner` decides that have a `config.cors` of their own, final (read when the app becomes ready). */
  configuredRoutesOf (owner: Owner): OwnedRoute[] {
    if (this.built === null) this.build()
    return this.owned.filter((route) => route.entry.owner === owner)
  }

  /** Notes the routes that exist when a registration loads (none: no cost) under its scope's prefix, as any its hooks reach is. */
  loaded (hookName: string, hooks: readonly string[], instance: FastifyInstance): void {
    const under = canonicalPrefix(instance.prefix, this.settings)
    const existing = new Map<string, string>()
    for (const [key, { name }] of printedRoutes(instance.printRoutes())) if (key.startsWith(under, key.indexOf(' ') + 1)) existing.set(key, name)
    this.before.set(hookName, existing)
    for (const hook of hooks) this.hookKinds.add(hook)
  }

  /**
   * Routes that run some registration's hooks (read from `printRoutes({ includeMeta })`) that no
   * `onRoute` saw: only a route existing when the registration loaded can be one (§3.10). Checked
   * once per server, and only when some registration loaded after routes were declared.
   */
  unseen (instance: FastifyInstance): string[] {
    if (this.unseenChecked) return []
    this.unseenChecked = true
    const candidates = new Map([...this.before.values()].flatMap((existing) => [...existing]))
    // The HEAD route Fastify adds beside a GET one shares its hooks: judged with it, one printRoutes fewer.
    const twin = (key: string): boolean => key.startsWith('HEAD ') && candidates.has(`GET ${key.slice(5)}`)
    const methods = new Set([...candidates.keys()].filter((key) => !twin(key)).map((key) => key.split(' ')[0]))
    const unseen = new Set<string>()
    for (const method of methods) {
      const printed = instance.printRoutes({ includeMeta: [...this.hookKinds], method: method as HTTPMethods })
      for (const [key, { hooks }] of printedRoutes(printed, new Set(candidates.keys()))) {
        const ours = hooks.filter((hook) => this.before.has(hook))
        if (ours.length > 0 && ours.every((hook) => this.before.get(hook)?.has(key) === true)) unseen.add(key)
      }
    }
    const twins = [...candidates.keys()].filter((key) => twin(key) && unseen.has(`GET ${key.slice(5)}`))
    this.before.clear()
    return [...unseen, ...twins].map((key) => candidates.get(key) as string)
  }

  /** The route table, built once when the app becomes ready, from every route's final options (§3.12). */
  get table (): RouteTable {
    return this.built ?? this.build()
  }

  private build (): RouteTable {
    const table = new RouteTable(this.settings.caseSensitive)
    const segments = new Map<string, PatternSegment>()
    const owned: OwnedRoute[] = []
    // Routes on one URL that the table would join (a path's methods, the HEAD route beside a GET) are added as one.
    const joined = new Map<string, Omit<RouteRecord, 'autoMethods' | 'methods'> & { methods: string[], urls: string[] }>()
    for (const { entry, route, url } of this.seen.values()) {
      const methods = table.methodList(route.method)
      const cors = (route.config as Record<string, unknown> | undefined)?.cors
      // Only routes with their own config.cors are compiled: the others take their owner's plugin policy.
      if (cors !== undefined) owned.push({ entry, method: route.method, url: route.url, cors })
      // A prefixed '/' route was added a second time at url + '/' (Fastify's prefixTrailingSlash 'both').
      const urls = route.routePath === '/' && route.url === `${url}/` ? [url, route.url] : [route.url]
      const constraints = route.constraints as Record<string, unknown> | undefined
      // The router tests a host RegExp without g and y, which would make its answers alternate.
      const host = constraints?.host instanceof RegExp ? new RegExp(constraints.host.source, constraints.host.flags.replace(/[gy]/g, '')) : constraints?.host as string | undefined
      const derived = constraints !== undefined && Object.keys(constraints).some((key) => key !== 'host')
      const alike = joined.get(route.url)
      if (alike?.entry === entry && alike.cors === cors && alike.host === host && alike.derived === derived && alike.urls.length === urls.length) alike.methods.push(...methods)
      else joined.set(alike === undefined ? route.url : `${route.url} ${joined.size}`, { entry, cors, methods: methods.slice(), host, derived, url: route.url, urls })
      // A later onRoute hook that replaced config (rather than changing it) dropped the mark: found by method and URL.
      if ((route.config as Record<symbol, unknown> | undefined)?.[kRoute] !== entry) {
        for (const method of methods) for (const at of urls) if (!this.lost.has(`${method} ${at}`)) this.lost.set(`${method} ${at}`, entry)
      }
    }
    for (const { urls, methods, ...route } of joined.values()) table.add(urls.flatMap((at) => routeShapes(at, this.settings, segments)), { ...route, methods: table.methodList(methods) })
    table.seal()
    this.owned = owned
    this.seen.clear()
    return (this.built = table)
  }

  /** The entry of the route a request landed on: its mark, else (a later hook dropped it) by method and URL; undefined for none. */
  entryOf (method: string | undefined, options: LandedRoute): RouteEntry | undefined {
    const entry = (options.config as unknown as Record<symbol, RouteEntry | undefined>)[kRoute]
    if (entry !== undefined || this.lost.size === 0) return entry
    return this.lost.get(`${method as string} ${options.url as string}`)
  }

  /** Whether `owner` decides a request on `entry`: the entry's owner; on none (a 404), the first registration whose hook takes it, only (§4.1). */
  decides (owner: Owner, request: object, entry: RouteEntry | undefined): boolean {
    if (entry !== undefined) return entry.owner === owner
    if (this.registrations === 1) return true
    if (this.claimed.has(request)) return false
    this.claimed.add(request)
    return true
  }
}

const kServerRoutes = Symbol('fastify-corsica.server-routes')

/**
 * The routes of the server `instance` belongs to, held by that server (a non-enumerable symbol
 * property): every registration on it reaches the same ones, and nothing lives at module level.
 */
export function routesOf (instance: FastifyInstance): ServerRoutes {
  const server = instance.server as unknown as Record<symbol, ServerRoutes | undefined>
  let routes = server[kServerRoutes]
  if (routes === undefined) Object.defineProperty(server, kServerRoutes, { value: routes = new ServerRoutes(instance) })
  return routes
}

/** The part of a scope's prefix before any parameter, as `printedRoutes` keys spell paths (folded, slashes as the router reads them). */
function canonicalPrefix (prefix: string, settings: RouterSettings): string {
  let head = prefix.split(/[:*(]/)[0]
  if (settings.ignoreDuplicateSlashes) head = collapseSlashes(head)
  head = head.replace(/\/+$/, '')
  return settings.caseSensitive ? head : head.toLowerCase()
}
