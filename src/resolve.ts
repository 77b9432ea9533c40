import type { FastifyRequest } from 'fastify'
import type { StaticRule } from './origin.js'
import type { Policy } from './policy.js'
import type { Registration } from './registration.js'
import type { RouteCorsOptions } from './schema.js'
import { callUserFunction, ORIGIN_FUNCTION, ruleForResult } from './user-function.js'

/** The policy a request is decided under, and its origin rule, once per-request parts are resolved. */
export type Resolved = (error: Error | null, policy?: Policy, rule?: StaticRule) => void

/** The origin rule when deciding under `policy` needs no user function (no delegator, no origin function), else null. */
export function staticRule (policy: Policy): StaticRule | null {
  const origin = policy.origin
  return origin.kind === 'dynamic' || (policy.delegation !== null && policy.enabled) ? null : origin
}

/**
 * Resolves what is decided per request (docs/behaviour.md §6): the owner's delegator, whose
 * options are merged under the route's own `config.cors` (a `cors: false` route is never
 * delegated), then an origin function. Errors go to `then` for Fastify's error handler.
 */
export function resolvePolicy (owner: Registration, policy: Policy, routeCors: RouteCorsOptions | false | undefined, request: FastifyRequest, then: Resolved): void {
  if (policy.delegation !== null && policy.enabled) {
    policy.delegation.resolve(request, routeCors as RouteCorsOptions | undefined, (error, delegated) => {
      if (error !== null) then(error)
      else resolveOrigin(owner, delegated as Policy, request, then)
    })
    return
  }
  resolveOrigin(owner, policy, request, then)
}

function resolveOrigin (owner: Registration, policy: Policy, request: FastifyRequest, then: Resolved): void {
  const origin = policy.origin
  if (origin.kind !== 'dynamic') {
    then(null, policy, origin)
    return
  }
  callUserFunction(origin.fn, origin.takesCallback, owner.instance, request.headers.origin, ORIGIN_FUNCTION, (error, value) => {
    if (error !== null) {
      then(error)
      return
    }
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
