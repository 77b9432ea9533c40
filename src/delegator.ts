import type { FastifyInstance, FastifyRequest } from 'fastify'
import { compileDelegatedOptions, type Policy } from './policy.js'
import { CorsDelegatorResultError } from './errors.js'
import { ResultCache } from './frozen.js'
import { ROUTE_KEYS } from './option-names.js'
import { callUserFunction, type UserFunctionKind } from './user-function.js'
import type { CorsDelegator, CorsOptions, RouteCorsOptions } from './schema.js'

const DELEGATOR: UserFunctionKind = { name: 'delegator', Error: CorsDelegatorResultError }

/**
 * Per-request options (docs/behaviour.md §6.2). A result of plain data is frozen and compiled
 * once per object and route, so a delegator returning one of a few objects pays the validation
 * once, however long their lists; anything else is read anew on every call (§6.3).
 */
export class Delegation {
  private readonly results = new ResultCache()
  private readonly policies = new WeakMap<object, Map<RouteCorsOptions | undefined, Policy>>()
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
    // Anything but an object is invalid, and compileDelegatedOptions says why.
    if (typeof result !== 'object' || result === null) return compileDelegatedOptions(this.pluginRaw, result, routeCors, this.results)
    if (!this.results.freeze(result)) return compileDelegatedOptions(this.pluginRaw, readOptions(result), routeCors, this.results)
    let byRoute = this.policies.get(result)
    if (byRoute === undefined) this.policies.set(result, byRoute = new Map())
    let policy = byRoute.get(routeCors)
    if (policy === undefined) byRoute.set(routeCors, policy = compileDelegatedOptions(this.pluginRaw, result, routeCors, this.results))
    return policy
  }
}

/** The options an object that is not plain data holds now: its own keys, and the option names it answers (getters included), each read once. */
function readOptions (result: object): Record<string, unknown> {
  const read: Record<string, unknown> = {}
  for (const key of Object.keys(result)) read[key] = (result as Record<string, unknown>)[key]
  for (const key of ROUTE_KEYS) if (!(key in read) && key in result) read[key] = (result as Record<string, unknown>)[key]
  return read
}
