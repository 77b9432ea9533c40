import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Policy, StaticRule } from '../config/compiled.js'
import { callUserFunction, ORIGIN_FUNCTION, ruleForResult } from './user-function.js'

/** The policy a request is decided under, and its origin rule, once per-request parts are resolved. */
export type Resolved = (error: Error | null, policy?: Policy, rule?: StaticRule) => void

/** The origin rule when deciding under `policy` needs no user function (no delegator, no origin function), else null. */
export function staticRule (policy: Policy): StaticRule | null {
  const origin = policy.origin
  return origin.kind === 'dynamic' || policy.perRequest !== null ? null : origin
}

/** Resolves what is decided per request (docs/behaviour.md §6): the delegator (under the route's `config.cors`), then an origin function; errors go to `then`. */
export function resolvePolicy (instance: FastifyInstance, policy: Policy, routeCors: unknown, request: FastifyRequest, then: Resolved): void {
  if (policy.perRequest === null) {
    resolveOrigin(instance, policy, request, then)
    return
  }
  policy.perRequest.resolve(request, routeCors, (error, delegated) => {
    if (error !== null) then(error)
    else resolveOrigin(instance, delegated as Policy, request, then)
  })
}

function resolveOrigin (instance: FastifyInstance, policy: Policy, request: FastifyRequest, then: Resolved): void {
  const origin = policy.origin
  if (origin.kind !== 'dynamic') {
    then(null, policy, origin)
    return
  }
  callUserFunction(origin.fn, origin.takesCallback, instance, request.headers.origin, ORIGIN_FUNCTION, (error, value) => {
    if (error !== null) return then(error)
    let rule: StaticRule
    try {
      rule = ruleForResult(value, policy.credentials, origin.results)
    } catch (invalid) {
      then(invalid as Error)
      return
    }
    then(null, policy, rule)
  })
}
