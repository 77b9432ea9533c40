import type { FastifyInstance, FastifyRequest } from 'fastify'
import { compileDelegatedOptions, type Policy } from './policy.js'
import { CorsDelegatorResultError } from './errors.js'
import { callUserFunction, snapshot, unchanged, type UserFunctionKind } from './user-function.js'
import type { CorsDelegator, CorsOptions, RouteCorsOptions } from './schema.js'

const DELEGATOR: UserFunctionKind = { name: 'delegator', Error: CorsDelegatorResultError }

/** A policy compiled from a delegator's result, and a copy of that result. */
interface Compiled {
  readonly copy: unknown
  readonly policy: Policy
}

/**
 * Per-request options (docs/behaviour.md §6.2). Compiled policies are cached by the identity
 * of the options object returned, per route, so a delegator returning one of a few constant
 * objects pays the validation and compile cost once; a cached policy is reused only while the
 * object still holds what it was compiled from (§6.3).
 */
export class Delegation {
  private readonly cache = new WeakMap<object, Map<RouteCorsOptions | undefined, Compiled>>()
  // Whether the delegator declares a callback parameter, read once (docs/behaviour.md §6.1).
  private readonly takesCallback: boolean

  constructor (
    private readonly delegator: CorsDelegator,
    private readonly instance: FastifyInstance,
    private readonly pluginRaw: CorsOptions
  ) {
    this.takesCallback = delegator.length >= 2
  }

  /** Calls the delegator for this request and hands back the policy to apply. */
  resolve (request: FastifyRequest, routeCors: RouteCorsOptions | undefined, done: (error: Error | null, policy?: Policy) => void): void {
    callUserFunction(this.delegator as never, this.takesCallback, this.instance, request, DELEGATOR, (error, result) => {
      if (error !== null) {
        done(error)
        return
      }
      try {
        done(null, this.compile(result, routeCors))
      } catch (invalid) {
        done(invalid as Error)
      }
    })
  }

  private compile (result: unknown, routeCors: RouteCorsOptions | undefined): Policy {
    // Objects are cached by identity; anything else is invalid and compileDelegatedOptions says why.
    if (typeof result !== 'object' || result === null) return compileDelegatedOptions(this.pluginRaw, result, routeCors)
    let byRoute = this.cache.get(result)
    if (byRoute === undefined) this.cache.set(result, byRoute = new Map())
    const known = byRoute.get(routeCors)
    if (known !== undefined && unchanged(known.copy, result)) return known.policy
    const copy = snapshot(result)
    const policy = compileDelegatedOptions(this.pluginRaw, result, routeCors)
    byRoute.set(routeCors, { copy, policy })
    return policy
  }
}
