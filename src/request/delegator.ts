import { types } from 'node:util'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { PerRequestOptions, Policy } from '../config/compiled.js'
import { CorsDelegatorResultError } from '../config/errors.js'
import { ResultCache } from '../config/frozen.js'
import { ROUTE_KEYS } from '../config/option-names.js'
import type { Resolution } from '../config/options.js'
import { compileDelegated } from '../config/policy.js'
import type { CorsDelegator } from '../config/types.js'
import { callUserFunction, type UserFunctionKind } from './user-function.js'

const DELEGATOR: UserFunctionKind = { name: 'delegator', Error: CorsDelegatorResultError }

/** Per-request options (§6.2): a result of plain data is frozen and compiled once per object and route; anything else is read anew (§6.3). */
export class Delegation implements PerRequestOptions {
  private readonly results = new ResultCache()
  private readonly policies = new WeakMap<object, Map<unknown, Policy>>()
  // Whether the delegator declares a callback parameter, read once (docs/behaviour.md §6.1).
  private readonly takesCallback: boolean
  private last: { readonly result: object, readonly routeCors: unknown, readonly policy: Policy } | null = null

  constructor (
    private readonly delegator: CorsDelegator,
    private readonly instance: FastifyInstance,
    private readonly plugin: Resolution
  ) {
    this.takesCallback = delegator.length >= 2
  }

  /** Calls the delegator for this request and hands back the policy to apply. */
  resolve (request: FastifyRequest, routeCors: unknown, done: (error: Error | null, policy?: Policy) => void): void {
    callUserFunction(this.delegator as never, this.takesCallback, this.instance, request, DELEGATOR, (error, result) => {
      if (error !== null) return done(error)
      try {
        done(null, this.compile(result, routeCors))
      } catch (invalid) {
        done(invalid as Error)
      }
    })
  }

  private compile (result: unknown, routeCors: unknown): Policy {
    // Anything but an object is invalid, and compileDelegated says why.
    if (typeof result !== 'object' || result === null) return compileDelegated(this.plugin, result, routeCors, this.results)
    const same = this.sameAsLast(result, routeCors)
    if (same !== undefined) return same
    if (!this.results.freeze(result)) return compileDelegated(this.plugin, readOptions(result), routeCors, this.results)
    // Its lists are compiled once; its RegExps are checked for a change on every call.
    if (this.results.holdsRegExp(result)) return compileDelegated(this.plugin, result, routeCors, this.results)
    let byRoute = this.policies.get(result)
    if (byRoute === undefined) this.policies.set(result, byRoute = new Map())
    let policy = byRoute.get(routeCors)
    if (policy === undefined) byRoute.set(routeCors, policy = compileDelegated(this.plugin, result, routeCors, this.results))
    this.last = { result, routeCors, policy }
    return policy
  }

  /** The last plain result's policy when this is it, or a plain object with the same values (`async () => ({ origin: list })`): the last is frozen (§6.3). */
  private sameAsLast (result: object, routeCors: unknown): Policy | undefined {
    const last = this.last
    if (last === null || last.routeCors !== routeCors) return undefined
    if (result === last.result) return last.policy
    const proto = Object.getPrototypeOf(result)
    if ((proto !== Object.prototype && proto !== null) || types.isProxy(result)) return undefined
    const keys = Object.keys(result)
    if (keys.length !== Object.keys(last.result).length) return undefined
    for (const key of keys) if (!Object.hasOwn(last.result, key) || (result as Record<string, unknown>)[key] !== (last.result as Record<string, unknown>)[key]) return undefined
    return last.policy
  }
}

/** The options an object that is not plain data holds now: its own keys, and the option names it answers (getters included), each read once. */
function readOptions (result: object): Record<string, unknown> {
  const read: Record<string, unknown> = {}
  for (const key of Object.keys(result)) read[key] = (result as Record<string, unknown>)[key]
  for (const key of ROUTE_KEYS) if (!(key in read) && key in result) read[key] = (result as Record<string, unknown>)[key]
  return read
}
