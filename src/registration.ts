import type { FastifyInstance } from 'fastify'
import { Delegation } from './delegator.js'
import { compileRouteOptions, disabledPolicy, type CompiledOptions, type Policy } from './policy.js'
import type { ConfigWarning } from './origin.js'
import type { Registry, UrlEntry } from './registry.js'
import type { CorsHook, CorsOptions, RouteCorsOptions } from './schema.js'
import { warn } from './warnings.js'

/** What a preflight is judged by: a route's policy under the registration that owns the route. */
export interface Target {
  readonly owner: Registration
  readonly policy: Policy
  readonly routeCors: RouteCorsOptions | false | undefined
  /** The route's URL entry, for `methods: 'auto'`; null for a path no route serves. */
  readonly entry: UrlEntry | null
}

/**
 * One `register(corsPlugin, options)`: its settings (which hook, whether it answers
 * preflights), its compiled plugin policy, and the policies of the routes it compiles.
 */
export class Registration {
  readonly policy: Policy
  readonly hook: CorsHook
  /** The `preflight` option: whether this registration answers preflights at all. */
  readonly answersPreflights: boolean
  readonly delegation: Delegation | null
  /** Judge preflights for paths no route serves: this registration's policy (docs/behaviour.md §3.8). */
  readonly targets: readonly Target[]
  private readonly disabled: Policy
  private readonly warned = new Set<string>()
  private readonly pluginWarnings: ReadonlySet<string>
  // The HEAD route Fastify adds for a GET shares its config object: compile and warn once.
  private readonly routePolicies = new WeakMap<object, Policy>()
  // Routes declared with equal options (the same literal on many routes) share one compiled policy.
  private readonly compiledBySpelling = new Map<string, CompiledOptions>()

  constructor (
    readonly instance: FastifyInstance,
    readonly registry: Registry,
    private readonly raw: CorsOptions,
    compiled: CompiledOptions
  ) {
    this.policy = compiled.policy
    this.hook = compiled.options.hook
    this.answersPreflights = compiled.options.preflight
    this.delegation = raw.delegator === undefined ? null : new Delegation(raw.delegator, instance, raw)
    this.disabled = disabledPolicy(compiled.policy)
    this.pluginWarnings = new Set(compiled.warnings.map((warning) => `${warning.code} ${warning.message}`))
    this.targets = [{ owner: this, policy: this.policy, routeCors: undefined, entry: null }]
    registry.registrations.push(this)
  }

  /**
   * Gives a configuration warning (docs/behaviour.md §2.5) through `process.emitWarning` and the
   * logger, once per registration for each distinct message.
   */
  warnConfig (warning: ConfigWarning, where: string): void {
    const message = `${where}${warning.message}`
    if (this.warned.has(message)) return
    this.warned.add(message)
    warn(this.instance, warning.code, message)
  }

  /** Gives a warning with this code once per registration; later occurrences are only explained at debug level. */
  warnOnce (code: string, message: () => string): void {
    if (this.warned.has(code)) return
    this.warned.add(code)
    warn(this.instance, code, message())
  }

  /**
   * The policy of a route with this `config.cors` (undefined, false or options) under this
   * registration, validated and compiled once per config object; throws the coded error
   * naming the route (`routeName`, built only then) when the options are invalid (docs/behaviour.md §2.3).
   */
  routePolicy (routeCors: unknown, routeName: () => string): Policy {
    if (routeCors === undefined) return this.policy
    if (routeCors === false) return this.disabled
    const key = typeof routeCors === 'object' && routeCors !== null ? routeCors : null
    const known = key === null ? undefined : this.routePolicies.get(key)
    if (known !== undefined) return known
    const route = routeName()
    const spelling = spellingOf(routeCors)
    let result = spelling === null ? undefined : this.compiledBySpelling.get(spelling)
    if (result === undefined) {
      result = compileRouteOptions(this.raw, routeCors, route)
      if (spelling !== null) this.compiledBySpelling.set(spelling, result)
    }
    // What the route inherits from the plugin options was warned about at registration.
    for (const warning of result.warnings) {
      if (!this.pluginWarnings.has(`${warning.code} ${warning.message}`)) this.warnConfig(warning, `route ${route}: `)
    }
    if (key !== null) this.routePolicies.set(key, result.policy)
    return result.policy
  }
}

/**
 * Route options written out, when they hold only strings, numbers, booleans, RegExps and
 * arrays of those (a function or any other object: null, compiled on its own).
 */
function spellingOf (options: unknown): string | null {
  let plain = true
  const text = JSON.stringify(options, (_key, value: unknown) => {
    if (value instanceof RegExp) return { regexp: value.source, flags: value.flags }
    if (typeof value === 'function' || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype)) plain = false
    return value
  })
  return plain ? text : null
}
