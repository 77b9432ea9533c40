import type { FastifyReply, FastifyRequest } from 'fastify'
import { routePolicy, type Policy, type StaticRule } from '../config/compiled.js'
import { allowOriginFor } from '../config/origin.js'
import type { Done, Registration } from './hooks.js'
import { explainOrigin } from './explain.js'
import { resolvePolicy, staticRule } from './resolve.js'
import { addVary } from './vary.js'

/**
 * An actual request: CORS headers from the policy of the route it landed on (docs/behaviour.md
 * §3.2), decided by the registration that owns that route; a request on no route of the
 * plugin's (a 404) by the first registration whose hook takes it (§4.1).
 */
export function actualRequest (registration: Registration, request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void {
  const routes = registration.routes
  const landed = request.routeOptions
  const entry = routes.entryOf(request.raw.method, landed)
  if (!routes.decides(registration, request, entry)) {
    done(null, payload)
    return
  }
  const route = entry === undefined ? registration.state.unrouted : routePolicy(registration.state, (landed.config as { cors?: unknown }).cors)
  const policy = route.policy
  const rule = staticRule(policy)
  if (rule !== null) {
    applyActual(policy, rule, request, reply)
    done(null, payload)
    return
  }
  resolvePolicy(registration.instance, policy, route.cors, request, (error, resolved, resolvedRule) => {
    if (error !== null) {
      done(error)
      return
    }
    applyActual(resolved as Policy, resolvedRule as StaticRule, request, reply)
    done(null, payload)
  })
}

/**
 * The headers of an actual request (or an OPTIONS that is not a preflight) under `policy`, its
 * origin rule resolved: CORS headers only, the request is always served (§3.2-§3.4).
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
