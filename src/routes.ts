import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteOptions } from 'fastify'
import FindMyWay from 'find-my-way'
import { CorsConfigError, CorsRequestError, CORS_OPTIONS_ROUTE_CONFLICT, CORS_ROUTE_NOT_COMPILED } from './errors.js'
import type { Policy } from './policy.js'
import type { CorsOptions, RouteCorsOptions } from './schema.js'

/** The body @fastify/cors sends for a malformed preflight under strictPreflight (SPEC 3.7). */
export const INVALID_PREFLIGHT = 'Invalid Preflight Request'

/** What the plugin knows about one route, compiled once when the route is added (SPEC 4, 5). */
export interface RouteSlot {
  /** The innermost fastify-corsica registration that saw the route; only its hook acts on it. */
  owner: object
  policy: Policy
  /** The route's own `config.cors`, kept so a delegator's per-request options can be merged under it. */
  routeCors: RouteCorsOptions | false | undefined
  readonly url: string
  readonly isOptionsRoute: boolean
}

/** Route config key under which a route's slot is stored. */
export const kSlot = Symbol('fastify-corsica.route')

type Config = Record<PropertyKey, unknown> | undefined
type ConfigReader = (request: FastifyRequest) => Config

/** The object's own symbol-keyed property with this description (how Fastify names its internal slots). */
export function ownSymbol (object: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
}

/**
 * Fastify exposes a route's config only through `request.routeOptions`, a getter that
 * builds a fresh object on every call. To keep the per-request path allocation-free the
 * plugin reads the route context Fastify keeps on the request, found once by its symbol
 * description, and falls back to the public getter if a Fastify version stores it otherwise.
 */
export function selectConfigReader (request: object): ConfigReader {
  const key = ownSymbol(request, 'fastify.context')
  const context = key === undefined ? undefined : (request as Record<symbol, { config?: unknown }>)[key]
  if (key !== undefined && typeof context === 'object' && context !== null && typeof context.config === 'object') {
    return (r) => (r as unknown as Record<symbol, { config: Config }>)[key].config
  }
  return (r) => r.routeOptions.config as unknown as Config
}

/**
 * Shared by every registration of the plugin on one server: a router mirroring the
 * app's routes (so a preflight finds the route that serves the requested method,
 * SPEC 3.8), and the methods registered per path for `methods: 'auto'`.
 */
export class Registry {
  private readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
  private readonly methodsByUrl = new Map<string, Set<string>>()
  private readonly allowMethodsByUrl = new Map<string, string>()
  private readonly optionsRoutes = new Set<string>()
  private readonly preflightCache = new Map<string, PreflightEntry>()
  /** The URL of the last preflight found in the cache, and its entry. */
  private lastUrl = ''
  private lastEntry: PreflightEntry | undefined = undefined
  private reader: ConfigReader | null = null
  private registrations = 0
  /**
   * True while every route is judged by the policy of the one registration: then a
   * preflight needs no route lookup, whatever route it is for.
   */
  uniform = true

  /** True while one registration of the plugin owns every route of the server. */
  get single (): boolean {
    return this.registrations === 1
  }

  /** Counts a registration of the plugin; a second one, or `methods: 'auto'`, ends uniformity. */
  register (policy: Policy): void {
    this.registrations++
    if (this.registrations > 1 || policy.allowMethods === null) this.uniform = false
  }

  constructor (instance: FastifyInstance) {
    // Fastify 5 reports router settings in initialConfig.routerOptions, older style at the top level.
    const initial = instance.initialConfig as Record<string, unknown>
    const config = { ...initial, ...(initial.routerOptions as object | undefined) } as Record<string, unknown>
    // useSemicolonDelimiter is honoured by find-my-way 9 but missing from its typings.
    this.router = FindMyWay({
      ignoreTrailingSlash: config.ignoreTrailingSlash === true,
      ignoreDuplicateSlashes: config.ignoreDuplicateSlashes === true,
      caseSensitive: config.caseSensitive !== false,
      maxParamLength: config.maxParamLength as number,
      useSemicolonDelimiter: config.useSemicolonDelimiter === true,
      allowUnsafeRegex: true // the app's own routes were already accepted by Fastify
    } as FindMyWay.Config<FindMyWay.HTTPVersion.V1>)
  }

  /** Records a route; a path+method pair seen twice (constraints, nested registrations) keeps the first. */
  add (methods: readonly string[], url: string, slot: RouteSlot): void {
    let known = this.methodsByUrl.get(url)
    if (known === undefined) this.methodsByUrl.set(url, known = new Set())
    for (const method of methods) {
      known.add(method)
      // This router is only searched, never dispatched, so any function serves as the handler.
      if (!this.router.hasRoute(method as FindMyWay.HTTPMethod, url)) this.router.on(method as FindMyWay.HTTPMethod, url, Boolean, slot)
    }
    this.allowMethodsByUrl.delete(url)
    this.preflightCache.clear()
    this.lastEntry = undefined
  }

  /** The slot of the route that serves `method` on the request's path, if any. */
  private find (method: string, url: string): RouteSlot | null {
    const found = this.router.find(method as FindMyWay.HTTPMethod, url)
    return found === null ? null : found.store as RouteSlot
  }

  /**
   * `find` for preflights, remembered per URL and requested method: browsers preflight the
   * same few pairs over and over. Found by URL (one hash), then the method by comparison
   * among the few asked for on that URL, so the method is never hashed. Both keys come from
   * the request, so the cache is bounded (cleared when full, long keys not kept) and work
   * per request stays bounded.
   */
  findForPreflight (method: string, url: string): RouteSlot | null {
    // The last URL is compared whole first: hashing a fresh string costs more. It is only
    // written when it changes, and then as the cache's own key: storing each request's fresh
    // string in this long-lived object would cost a write barrier per preflight.
    let entry: PreflightEntry | undefined
    if (url === this.lastUrl) {
      entry = this.lastEntry
    } else {
      entry = this.preflightCache.get(url)
      if (entry !== undefined) this.remember(entry)
    }
    if (entry !== undefined) {
      const methods = entry.methods
      for (let i = 0; i < methods.length; i++) {
        if (methods[i] === method) return entry.slots[i]
      }
    }
    const slot = this.find(method, url)
    if (url.length <= PREFLIGHT_CACHE_URL_LENGTH && method.length <= PREFLIGHT_CACHE_METHOD_LENGTH) {
      if (entry === undefined || entry.methods.length >= PREFLIGHT_CACHE_METHODS) {
        if (entry === undefined && this.preflightCache.size >= PREFLIGHT_CACHE_URLS) this.preflightCache.clear()
        entry = { url, methods: [], slots: [] }
        this.preflightCache.set(url, entry)
        this.remember(entry)
      }
      entry.methods.push(method)
      entry.slots.push(slot)
    }
    return slot
  }

  private remember (entry: PreflightEntry): void {
    this.lastUrl = entry.url
    this.lastEntry = entry
  }

  /**
   * The Access-Control-Allow-Methods a preflight judged by `policy` answers with: its joined
   * list, or under `methods: 'auto'` the methods that have routes on the slot's path, joined once.
   */
  allowMethodsFor (policy: Policy, slot: RouteSlot | null): string {
    if (policy.allowMethods !== null) return policy.allowMethods
    if (slot === null) return ''
    let joined = this.allowMethodsByUrl.get(slot.url)
    if (joined === undefined) {
      joined = [...this.methodsByUrl.get(slot.url) as Set<string>].filter((method) => method !== 'OPTIONS').join(', ')
      this.allowMethodsByUrl.set(slot.url, joined)
    }
    return joined
  }

  /** Whether a registration already put its `OPTIONS *` route at this path. */
  hasOptionsRoute (url: string): boolean {
    return this.optionsRoutes.has(routerPath(url))
  }

  addOptionsRoute (url: string): void {
    this.optionsRoutes.add(routerPath(url))
  }

  /** The route's config, read without allocating. */
  configOf (request: FastifyRequest): Config {
    if (this.reader === null) this.reader = selectConfigReader(request)
    return this.reader(request)
  }
}

// Bounds of the preflight lookup cache: URLs, requested methods per URL, and the length of each.
const PREFLIGHT_CACHE_URLS = 512
const PREFLIGHT_CACHE_METHODS = 16
const PREFLIGHT_CACHE_URL_LENGTH = 256
const PREFLIGHT_CACHE_METHOD_LENGTH = 32

/** The requested methods seen for one URL and the slot each resolved to, index by index. */
interface PreflightEntry {
  readonly url: string
  readonly methods: string[]
  readonly slots: Array<RouteSlot | null>
}

/** find-my-way stores the path '*' as '/*'; compare catch-all paths in that form. */
function routerPath (url: string): string {
  return url === '*' ? '/*' : url
}

const registries = new WeakMap<object, Registry>()

/** One registry per server, so every registration of the plugin sees every route. */
export function registryFor (instance: FastifyInstance): Registry {
  let registry = registries.get(instance.server)
  if (registry === undefined) registries.set(instance.server, registry = new Registry(instance))
  return registry
}

/** The slot of the route this request was routed to; undefined when the plugin did not compile the route. */
export function compiledSlot (registry: Registry, request: FastifyRequest): RouteSlot | undefined {
  return registry.configOf(request)?.[kSlot] as RouteSlot | undefined
}

/** The slot of the route this request was routed to, or an error when the route was never compiled. */
export function slotOf (registry: Registry, request: FastifyRequest): RouteSlot | undefined | CorsRequestError {
  const config = registry.configOf(request)
  const slot = config?.[kSlot] as RouteSlot | undefined
  if (slot === undefined && config?.cors !== undefined) {
    return new CorsRequestError(CORS_ROUTE_NOT_COMPILED, `route ${request.method} ${String(config.url)} sets config.cors but was added before fastify-corsica was registered, so its options were never validated; use \`await app.register(corsPlugin, ...)\` before declaring routes`)
  }
  return slot
}

function methodsOf (route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

/** Tells a user whose own catch-all would take over the OPTIONS requests the plugin must answer. */
export function optionsRouteConflict (url: string): CorsConfigError {
  return new CorsConfigError(CORS_OPTIONS_ROUTE_CONFLICT, `route OPTIONS ${url}`, [{
    path: 'preflight',
    message: `fastify-corsica answers preflights on OPTIONS ${url}, and another OPTIONS route was declared there; declare your catch-all without OPTIONS (e.g. method: ['GET', 'POST']), or register fastify-corsica with preflight: false and answer preflights yourself`
  }])
}

export interface OptionsRouteSetup {
  readonly instance: FastifyInstance
  readonly registry: Registry
  readonly slot: RouteSlot
  readonly logLevel: CorsOptions['logLevel']
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => void
}

/**
 * Registers `OPTIONS *` in the scope so every preflight has a route to land on; a user's
 * own OPTIONS route for a path is more specific and wins for that path (SPEC 3.7). A
 * second registration at the same prefix reuses the first one's route.
 */
export function registerOptionsRoute (setup: OptionsRouteSetup): void {
  const url = setup.slot.url
  if (setup.registry.hasOptionsRoute(url)) return
  if (setup.instance.hasRoute({ method: 'OPTIONS', url: routerPath(url) })) throw optionsRouteConflict(url)
  setup.registry.addOptionsRoute(url)
  setup.instance.route({
    method: 'OPTIONS',
    url: '*',
    // 'hide' is read by @fastify/swagger; Fastify itself ignores it.
    schema: { hide: setup.slot.policy.options.hideOptionsRoute } as FastifySchema,
    ...(setup.logLevel === undefined ? {} : { logLevel: setup.logLevel }),
    config: { [kSlot]: setup.slot } as never,
    handler: setup.handler
  })
}

export interface RouteHookSetup {
  readonly registry: Registry
  readonly owner: object
  /** Compiles the route's `config.cors` (undefined, false or options) against this registration. */
  readonly compile: (routeCors: unknown, route: string) => Policy
}

/**
 * The `onRoute` hook: validates and compiles each route's `config.cors` once, when the
 * route is added (SPEC 4), and records the route for preflight lookups.
 */
export function buildOnRoute (setup: RouteHookSetup): (route: RouteOptions) => void {
  return function corsicaOnRoute (route: RouteOptions): void {
    const config = route.config as Record<PropertyKey, unknown> | undefined
    const existing = config?.[kSlot] as RouteSlot | undefined
    if (existing?.isOptionsRoute === true) return
    const methods = methodsOf(route)
    const url = route.url as string
    if (methods.includes('OPTIONS') && setup.registry.hasOptionsRoute(url)) throw optionsRouteConflict(url)

    const routeCors = config?.cors as RouteCorsOptions | false | undefined
    const policy = setup.compile(routeCors, `${methods.join(',')} ${url}`)
    if (routeCors !== undefined) setup.registry.uniform = false
    if (existing !== undefined) {
      // A registration nested inside another: the innermost one owns the route.
      existing.owner = setup.owner
      existing.policy = policy
      existing.routeCors = routeCors
      return
    }
    const slot: RouteSlot = { owner: setup.owner, policy, routeCors, url, isOptionsRoute: false }
    route.config = { ...route.config, [kSlot]: slot } as typeof route.config
    setup.registry.add(methods, url, slot)
  }
}
