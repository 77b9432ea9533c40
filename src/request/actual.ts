import type { FastifyReply, FastifyRequest } from 'fastify'
import { routePolicy, type Policy, type StaticRule } from '../config/compiled.js'
import { allowOriginFor } from '../config/origin.js'
import type { Done, Registration } from './hooks.js'
import { explainOrigin, publish, REFUSED_DISABLED, REFUSED_ORIGIN } from './explain.js'
import { resolvePolicy, staticRule } from './resolve.js'
import { addVary } from './vary.js'

/** A request decoration (docs/behaviour.md §3.13): set once a registration has decided the request's CORS headers. */
export const kDecided = Symbol('fastify-corsica.decided')

/** Whether some registration has decided this request's CORS headers (its onSend backstop has nothing to add). */
export function decided (request: FastifyRequest): boolean {
  return (request as unknown as Record<symbol, boolean>)[kDecided]
}

/** An actual request: headers from the policy of the route it landed on (§3.2), decided by its owner; a 404 by the first registration whose hook takes it (§4.1). */
export function actualRequest (registration: Registration, request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void {
  const routes = registration.routes
  const landed = request.routeOptions
  const entry = routes.entryOf(request.raw.method, landed)
  if (!routes.decides(registration, request, entry)) {
    done(null, payload)
    return
  }
  (request as unknown as Record<symbol, boolean>)[kDecided] = true
  const route = entry === undefined ? registration.state.unrouted : routePolicy(registration.state, (landed.config as { cors?: unknown }).cors)
  const policy = route.policy
  const rule = staticRule(policy)
  if (rule !== null) {
    settle(registration, request, reply, policy, rule, landed.url)
    done(null, payload)
    return
  }
  resolvePolicy(registration.instance, policy, route.cors, request, (error, resolved, resolvedRule) => {
    if (error !== null) return done(error)
    settle(registration, request, reply, resolved as Policy, resolvedRule as StaticRule, landed.url)
    done(null, payload)
  })
}

/** Applies the headers and publishes the decision when someone listens (a CORS request only: it has an Origin, §3.14). */
function settle (registration: Registration, request: FastifyRequest, reply: FastifyReply, policy: Policy, rule: StaticRule, url: string | undefined): void {
  const allowed = applyActual(policy, rule, request, reply)
  if (registration.decisions.hasSubscribers && request.headers.origin !== undefined) {
    publish(registration.decisions, request, 'actual', url ?? null, policy, allowed ? null : policy.enabled ? REFUSED_ORIGIN : REFUSED_DISABLED)
  }
}

/** The CORS headers of an actual request (or an OPTIONS that is not a preflight) under `policy`; the request is always served (§3.2-§3.4). */
export function applyActual (policy: Policy, rule: StaticRule, request: FastifyRequest, reply: FastifyReply): boolean {
  const allowOrigin = allowOriginFor(rule, request.headers.origin, false)
  if (policy.varyOrigin) addVary(reply, 'Origin')
  if (allowOrigin === null) {
    explainOrigin(request, policy, false)
    return false
  }
  reply.header('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (policy.exposeHeaders !== null) reply.header('access-control-expose-headers', policy.exposeHeaders)
  return true
}
