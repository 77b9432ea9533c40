import { channel } from 'node:diagnostics_channel'
import type { FastifyInstance, FastifySchema } from 'fastify'
import type { CompiledState, ConfigIssue, ConfigWarning, RoutePolicy } from './config/compiled.js'
import { CorsConfigError, CorsOptionsRouteConflictError, CorsRoutesUnseenError, errorWithIssues, type ErrorWithIssues } from './config/errors.js'
import { ResultCache } from './config/frozen.js'
import { copyOptions, copyValue, DEFAULTS, isPlainObject, type Resolution } from './config/options.js'
import { buildPolicy, compileRoute, resolvePluginOptions } from './config/policy.js'
import type { CorsHandle, CorsHook, CorsOptions } from './config/types.js'
import { Delegation } from './request/delegator.js'
import { HOOK_NAME } from './request/hooks.js'
import { routeName, routesOf, type SeenRoute, type ServerRoutes } from './routing/registry.js'
import { staticAnswers } from './routing/served.js'
import type { Owner, RouteEntry } from './routing/route-table.js'

/** How many warning messages a registration remembers having given (docs/behaviour.md §2.5). */
const WARNED_KEPT = 100

/** Options a running registration cannot change: they decide which hooks and routes it added. */
const FIXED_SETTINGS = ['hook', 'preflight', 'hideOptionsRoute', 'logLevel'] as const

/** One `register(corsPlugin, options)`: its options and the one compiled state requests read, built at ready, replaced whole by `reconfigure` (§8). */
export class Registration implements Owner {
  state: CompiledState
  readonly routes: ServerRoutes
  readonly hook: CorsHook
  /** The `preflight` option: whether this registration answers preflights at all. */
  readonly answersPreflights: boolean
  /** The name of this registration's hook functions, which `printRoutes` shows on every route they run on. */
  readonly hookName: string
  readonly decisions = channel('fastify-corsica')
  private resolution: Resolution
  private raw: CorsOptions
  private readonly results = new ResultCache()
  /** What the routes it decides are marked with (docs/behaviour.md §4.1): one for its own `OPTIONS *` route, one for the others. */
  private readonly entries: { readonly route: RouteEntry, readonly catchAll: RouteEntry }
  private ready = false
  /** The warnings given, the latest WARNED_KEPT of them: each once per registration, in bounded memory (§2.5). */
  private readonly warned = new Set<string>()

  constructor (readonly instance: FastifyInstance, options: unknown) {
    this.routes = routesOf(instance)
    this.entries = { route: Object.freeze({ owner: this, catchAll: false }), catchAll: Object.freeze({ owner: this, catchAll: true }) }
    const nth = ++this.routes.registrations
    this.routes.first ??= this
    this.hookName = nth === 1 ? HOOK_NAME : `${HOOK_NAME}#${nth}`
    // A copy: changing the options object after registration changes nothing (docs/behaviour.md §2.3).
    this.raw = copyOptions(options)
    this.resolution = resolvePluginOptions(this.raw, this.results)
    this.hook = this.resolution.options.hook
    this.answersPreflights = this.resolution.options.preflight
    this.state = this.compile(this.resolution, false).state
    this.warn(this.resolution.warnings)
    this.routes.loaded(this.hookName, ['onRequest', this.hook], instance)
  }

  /** Records a route `onRoute` reports; its policy is compiled when the app becomes ready, from its final options. */
  onRoute (route: SeenRoute, catchAll: boolean): void {
    const options = Array.isArray(route.method) ? route.method.includes('OPTIONS') : route.method === 'OPTIONS'
    if (!catchAll && options && this.routes.optionsRoutes.has(catchAllPath(route.url))) throw optionsRouteConflict(route.url)
    this.routes.record(route, catchAll ? this.entries.catchAll : this.entries.route)
  }

  /** At ready, every `onRoute` hook has run: route policies are compiled from final options; an invalid `config.cors` fails startup (§2.3). */
  onReady (): void {
    this.refuseRoutesDeclaredBefore()
    // The first registration to get ready computes the server's static answers, for every registration on it.
    if (!this.routes.ready) this.routes.answers = staticAnswers(this.instance, this.routes)
    this.routes.ready = true
    this.ready = true
    const { state, warnings } = this.compile(this.resolution, true)
    this.state = state
    this.warn(warnings)
  }

  /** Replaces the options (§8): validated and compiled with every route's policy, swapped in by one assignment; on any problem it throws and nothing changes. */
  reconfigure (options: unknown): void {
    const raw = copyOptions(options)
    const issues: ConfigIssue[] = []
    // copyOptions copied an options object; anything else goes on to validation, which refuses it.
    if (raw !== options) {
      for (const key of FIXED_SETTINGS) {
        const now = this.raw[key] ?? (DEFAULTS as Record<string, unknown>)[key]
        if (raw[key] === undefined) (raw as Record<string, unknown>)[key] = this.raw[key]
        else if (raw[key] !== now) issues.push({ path: key, message: `cannot change at runtime (it decides which hooks and routes the plugin added); it is ${now === undefined ? 'not set' : JSON.stringify(now)}` })
      }
      if (raw.handle !== undefined && raw.handle !== this.raw.handle) issues.push({ path: 'handle', message: 'cannot change at runtime; leave it out, or pass the same handle' })
      raw.handle = this.raw.handle
    }
    let resolution: Resolution
    try {
      resolution = resolvePluginOptions(raw, this.results)
    } catch (error) {
      if (issues.length === 0) throw error
      throw errorWithIssues(CorsConfigError, 'the options', [...issues, ...(error as ErrorWithIssues).issues.filter((issue) => !issues.some((fixed) => fixed.path === issue.path))])
    }
    if (issues.length > 0) throw errorWithIssues(CorsConfigError, 'the options', issues)
    const { state, warnings } = this.compile(resolution, this.ready)
    this.raw = raw
    this.resolution = resolution
    this.state = state
    this.warn(warnings)
  }

  /** The options in force, defaults applied: a frozen copy, made when asked (docs/behaviour.md §8.5). */
  get options (): Readonly<CorsOptions> {
    const withDefaults: Record<string, unknown> = { ...DEFAULTS }
    for (const [key, value] of Object.entries(this.raw)) if (value !== undefined) withDefaults[key] = copyValue(value)
    return deepFreeze(withDefaults as CorsOptions)
  }

  /** Adds `OPTIONS *` so every preflight lands on a route (an OPTIONS route of the user's wins for its path, §3.7); shared at one prefix (§4.2). */
  addOptionsRoute (handler: (...args: never[]) => unknown): void {
    const url = `${this.instance.prefix}*`
    if (this.routes.optionsRoutes.has(catchAllPath(url))) return
    if (this.instance.hasRoute({ method: 'OPTIONS', url: catchAllPath(url) })) throw optionsRouteConflict(url)
    this.routes.optionsRoutes.add(catchAllPath(url))
    this.routes.optionsHandlers.add(handler)
    const { hideOptionsRoute, logLevel } = this.resolution.options
    this.instance.route({
      method: 'OPTIONS',
      url: '*',
      // 'hide' is read by @fastify/swagger; Fastify itself ignores it.
      schema: { hide: hideOptionsRoute } as FastifySchema,
      ...(logLevel === undefined ? {} : { logLevel }),
      handler: handler as never
    })
  }

  private compile (resolution: Resolution, withRoutes: boolean): { state: CompiledState, warnings: ConfigWarning[] } {
    const delegator = resolution.raw.delegator
    const perRequest = delegator === undefined ? null : new Delegation(delegator, this.instance, resolution)
    const plugin = buildPolicy(resolution.options, 'plugin', perRequest)
    const unrouted: RoutePolicy = { policy: plugin, cors: undefined }
    const warnings = [...resolution.warnings]
    // Routes that share one config.cors object (a GET and its HEAD) share its policy.
    const routes = new Map<unknown, RoutePolicy>()
    for (const route of withRoutes ? this.routes.configuredRoutesOf(this) : []) {
      if (routes.has(route.cors)) continue
      const name = routeName(route)
      const result = compileRoute(resolution, route.cors, name, this.results, perRequest)
      for (const warning of result.warnings) warnings.push({ code: warning.code, message: `route ${name}: ${warning.message}` })
      routes.set(route.cors, { policy: result.policy, cors: route.cors })
    }
    return { state: { plugin, unrouted, routes }, warnings }
  }

  /** Gives each warning not given yet (§2.5), with `process.emitWarning` and the logger; the latest WARNED_KEPT are remembered (bounded memory). */
  private warn (warnings: readonly ConfigWarning[]): void {
    for (const { code, message } of warnings) {
      if (this.warned.has(message)) continue
      this.warned.add(message)
      if (this.warned.size > WARNED_KEPT) this.warned.delete(this.warned.values().next().value as string)
      process.emitWarning(`fastify-corsica: ${message}`, { code })
      this.instance.log.warn(`fastify-corsica: ${message}`)
    }
  }

  /** Routes declared before the plugin loaded (no `await` on register) run its hooks unseen by `onRoute`: startup fails, naming them (§3.10). */
  private refuseRoutesDeclaredBefore (): void {
    const unseen = this.routes.unseen(this.instance)
    const message = 'was declared before fastify-corsica loaded, so its preflights cannot be judged by its options; register the plugin with `await app.register(corsPlugin, options)` before declaring routes or registering plugins that declare them'
    if (unseen.length > 0) throw errorWithIssues(CorsRoutesUnseenError, 'the routes', unseen.map((path) => ({ path, message })))
  }
}

/** Tells a user whose own catch-all would take over the OPTIONS requests the plugin must answer. */
function optionsRouteConflict (url: string): ErrorWithIssues {
  return errorWithIssues(CorsOptionsRouteConflictError, `route OPTIONS ${url}`, [{
    path: 'preflight',
    message: `fastify-corsica answers preflights on OPTIONS ${url}, and another OPTIONS route was declared there; declare your catch-all without OPTIONS (e.g. method: ['GET', 'POST']), or register fastify-corsica with preflight: false and answer preflights yourself`
  }])
}

/** Fastify stores the path '*' as '/*'; compare catch-all paths in that form. */
function catchAllPath (url: string): string {
  return url === '*' ? '/*' : url
}

function deepFreeze<T> (value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const inner of Object.values(value as object)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** The handle option, bound to a registration once its options are valid (docs/behaviour.md §8.1). */
export type { CorsHandle }
