import type { FastifyReply, FastifyRequest } from 'fastify'
import { explainOrigin } from './explain.js'
import { allowOriginFor, type StaticRule } from './origin.js'
import type { Policy } from './policy.js'
import { addVary } from './vary.js'

/**
 * An actual request (or an OPTIONS that is not a preflight) under `policy`, its origin rule
 * resolved: CORS headers only, the request is always served (docs/behaviour.md §3.2-§3.4).
 */
export function applyActual (policy: Policy, rule: StaticRule, request: FastifyRequest, reply: FastifyReply): void {
  const allowOrigin = allowOriginFor(rule, request.headers.origin, false)
  if (policy.varyOrigin) addVary(reply, 'Origin')
  if (allowOrigin === null) {
    explainOrigin(request, policy, false)
    return
  }
  reply.header('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (policy.exposeHeaders !== null) reply.header('access-control-expose-headers', policy.exposeHeaders)
}
