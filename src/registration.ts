import type { FastifyInstance } from 'fastify'
import { Delegation } from './delegator.js'
import { CorsConfigError, errorWithIssues, type ConfigIssue, type ErrorWithIssues } from './errors.js'
import { copyOptions, copyValue, DEFAULTS, isPlainObject } from './options.js'
import { compilePluginOptions, compileRouteOptions, disabledPolicy, type CompiledOptions, type Policy } from './policy.js'
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
 * What a registration compiled from one set of options: its plugin policy, the policy of a
 * `cors: false` route, and the caches of route policies built under it (docs/behaviour.md §8).
 */
interface Generation {
  readonly raw: CorsOptions
  readonly policy: Policy
  readonly disabled: Policy
  readonly targets: readonly Target[]
  readonly pluginWarnings: ReadonlySet<string>
  // The HEAD route Fastify adds for a GET shares its config object: compile and warn once.
  readonly routePolicies: WeakMap<object, Policy>
  // Routes declared with equal options (the same literal on many routes) share one compiled policy.
  readonly compiledBySpelling: Map<string, CompiledOptions>
  // Routes the plugin never saw (declared before it loaded), compiled at their first request.
  readonly unseen: WeakMap<object, Policy>
}

/** Options a running registration cannot change: they decide which hooks and routes it added. */
const FIXED_SETTINGS = ['hook', 'preflight', 'hideOptionsRoute', 'logLevel'] as const

/**
 * One `register(corsPlugin, options)`: its settings (which hook, whether it answers
 * preflights), its compiled plugin policy, and the policies of the routes it compiles.
 * `reconfigure` replaces the options at runtime (docs/behaviour.md §8).
 */
export class Registration {
  readonly hook: CorsHook
  /** The `preflight` option: whether this registration answers preflights at all. */
  readonly answersPreflights: boolean
  private generation: Generation
  private readonly warned = new Set<string>()

  constructor (
    readonly instance: FastifyInstance,
    readonly registry: Registry,
    raw: CorsOptions,
    compiled: CompiledOptions
  ) {
    this.hook = compiled.options.hook
    this.answersPreflights = compiled.options.preflight
    this.generation = this.generationOf(raw, compiled)
    registry.registrations.push(this)
  }

  /** The plugin policy now in force. */
  get policy (): Policy {
    return this.generation.policy
  }

  /** Judge preflights for paths no route serves: this registration's policy (docs/behaviour.md §3.8). */
  get targets (): readonly Target[] {
    return this.generation.targets
  }

  /** The options now in force, defaults applied: a frozen copy, made when asked (docs/behaviour.md §8.5). */
  get options (): Readonly<CorsOptions> {
    return deepFreeze(effectiveOptions(this.generation.raw))
  }

  private generationOf (raw: CorsOptions, compiled: CompiledOptions): Generation {
    const delegation = raw.delegator === undefined ? null : new Delegation(raw.delegator, this.instance, raw)
    const policy = Object.freeze({ ...compiled.policy, delegation })
    return {
      raw,
      policy,
      disabled: disabledPolicy(policy),
      targets: [{ owner: this, policy, routeCors: undefined, entry: null }],
      pluginWarnings: new Set(compiled.warnings.map((warning) => `${warning.code} ${warning.message}`)),
      routePolicies: new WeakMap(),
      compiledBySpelling: new Map(),
      unseen: new WeakMap()
    }
  }

  /**
   * Replaces this registration's options (docs/behaviour.md §8): validated like registration
   * options (one coded error listing every problem), then the plugin policy and every route's
   * policy are compiled; only when all of that succeeded are they swapped in, in one
   * synchronous step. On any problem it throws and the running policy stays as it was.
   */
  reconfigure (options: unknown): void {
    const raw = copyOptions(options)
    const current = this.generation.raw
    const issues: ConfigIssue[] = []
    // copyOptions copied an options object; anything else goes on to validation, which refuses it.
    if (raw !== options) {
      for (const key of FIXED_SETTINGS) {
        const now = current[key] ?? (DEFAULTS as Record<string, unknown>)[key]
        if (raw[key] === undefined) {
          (raw as Record<string, unknown>)[key] = current[key]
        } else if (raw[key] !== now) {
          issues.push({ path: key, message: `cannot change at runtime (it decides which hooks and routes the plugin added); it is ${now === undefined ? 'not set' : JSON.stringify(now)}` })
        }
      }
      if (raw.handle !== undefined && raw.handle !== current.handle) issues.push({ path: 'handle', message: 'cannot change at runtime; leave it out, or pass the same handle' })
      raw.handle = current.handle
    }
    const compiled = compileCheckingFixed(raw, issues)
    const next = this.generationOf(raw, compiled)
    // Every route this registration owns, compiled under the new options before anything changes.
    const records = this.registry.recordsOf(this)
    const policies = records.map((record) => this.routePolicyIn(next, record.routeCors, () => `${record.methods.join(',')} ${record.entry.url}`, false))
    this.generation = next
    records.forEach((record, index) => { record.policy = policies[index] })
    this.registry.served.clear()
    for (const warning of compiled.warnings) this.warnConfig(warning, '')
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
    return this.routePolicyIn(this.generation, routeCors, routeName, true)
  }

  /** Policies of routes declared before the plugin loaded, compiled at their first request (§3.10). */
  get unseenPolicies (): WeakMap<object, Policy> {
    return this.generation.unseen
  }

  private routePolicyIn (generation: Generation, routeCors: unknown, routeName: () => string, warnAbout: boolean): Policy {
    if (routeCors === undefined) return generation.policy
    if (routeCors === false) return generation.disabled
    const key = typeof routeCors === 'object' && routeCors !== null ? routeCors : null
    const known = key === null ? undefined : generation.routePolicies.get(key)
    if (known !== undefined) return known
    const route = routeName()
    const spelling = spellingOf(routeCors)
    let result = spelling === null ? undefined : generation.compiledBySpelling.get(spelling)
    if (result === undefined) {
      result = compileRouteOptions(generation.raw, routeCors, route)
      if (spelling !== null) generation.compiledBySpelling.set(spelling, result)
    }
    // What the route inherits from the plugin options was warned about at registration.
    if (warnAbout) {
      for (const warning of result.warnings) {
        if (!generation.pluginWarnings.has(`${warning.code} ${warning.message}`)) this.warnConfig(warning, `route ${route}: `)
      }
    }
    const policy = Object.freeze({ ...result.policy, delegation: generation.policy.delegation })
    if (key !== null) generation.routePolicies.set(key, policy)
    return policy
  }
}

/** Plugin options validated and compiled; `issues` found before (fixed settings) go in the same error. */
function compileCheckingFixed (raw: CorsOptions, issues: readonly ConfigIssue[]): CompiledOptions {
  let all = issues
  try {
    const compiled = compilePluginOptions(raw)
    if (issues.length === 0) return compiled
  } catch (error) {
    if (issues.length === 0 || !(error instanceof CorsConfigError)) throw error
    all = [...issues, ...(error as ErrorWithIssues).issues.filter((issue) => !issues.some((fixed) => fixed.path === issue.path))]
  }
  throw errorWithIssues(CorsConfigError, 'the fastify-corsica options', all)
}

/** The options with the defaults of @fastify/cors applied, copied (arrays and plain objects). */
function effectiveOptions (raw: CorsOptions): CorsOptions {
  const withDefaults: Record<string, unknown> = { ...DEFAULTS }
  for (const [key, value] of Object.entries(raw)) if (value !== undefined) withDefaults[key] = copyValue(value)
  return withDefaults as CorsOptions
}

function deepFreeze<T> (value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const inner of Object.values(value as object)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
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
