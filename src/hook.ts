import type { FastifyReply, FastifyRequest } from 'fastify'
import { applyActual } from './actual.js'
import { explain, explaining, REFUSED_UNKNOWN_ROUTE } from './explain.js'
import { CORS_ROUTE_UNSEEN } from './errors.js'
import { answer, combineAcceptances, isPreflight, judgePreflight, refuse, type Acceptance, type Verdict } from './preflight.js'
import type { Policy } from './policy.js'
import type { Registration, Target } from './registration.js'
import type { RouteRecord } from './registry.js'
import { resolvePolicy, staticRule } from './resolve.js'
import { recordIn, routeConfigOf, unseenRoutePolicy, type OptionsHandler } from './routes.js'
import type { CorsHook } from './schema.js'
import type { StaticRule } from './origin.js'
import { servedRoutes } from './served.js'

/** The continuation Fastify hands a hook: `done(error)`, or `done(null, payload)` to go on. */
type Done = (error?: Error | null, payload?: unknown) => void
type RequestHook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void
type PayloadHook = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done) => void

/** The body @fastify/cors sends for a malformed preflight under strictPreflight (docs/behaviour.md §3.7). */
export const INVALID_PREFLIGHT = 'Invalid Preflight Request'

/**
 * Whether this registration acts on a request: it owns the route the request landed on, or,
 * for a request on no recorded route (a 404, a route declared before the plugin loaded),
 * it is the first registration whose hook took it (docs/behaviour.md §4.1).
 */
function acts (registration: Registration, landed: RouteRecord | undefined, request: FastifyRequest): boolean {
  return landed === undefined ? registration.registry.claim(request, registration) : landed.owner === registration
}

/** An actual request: CORS headers from the policy of the route it landed on (docs/behaviour.md §3.2). */
function actualRequest (registration: Registration, request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void {
  const config = routeConfigOf(request)
  const landed = recordIn(registration.registry, config, request.raw.method as string)
  if (!acts(registration, landed, request)) {
    done(null, payload)
    return
  }
  const policy = landed === undefined ? unseenRoutePolicy(registration, config) : landed.policy
  const rule = staticRule(policy)
  if (rule !== null) {
    applyActual(policy, rule, request, reply)
    done(null, payload)
    return
  }
  resolvePolicy(registration, policy, landed?.routeCors, request, (error, resolved, rule) => {
    if (error !== null) {
      done(error)
      return
    }
    applyActual(resolved as NonNullable<typeof resolved>, rule as NonNullable<typeof rule>, request, reply)
    done(null, payload)
  })
}

/**
 * A preflight, always judged in `onRequest`, before any handler (docs/behaviour.md §3.6):
 * by the route Fastify would serve the requested method with (§3.8, §5), or by this
 * registration's policy when no route serves it. The route the preflight itself landed on
 * only says which registration answers, which matters when several share the server (§4.2).
 */
function preflight (registration: Registration, request: FastifyRequest, reply: FastifyReply, done: Done): void {
  if (registration.registry.registrations.length > 1 && !acts(registration, recordIn(registration.registry, routeConfigOf(request), 'OPTIONS'), request)) {
    done()
    return
  }
  const method = request.headers['access-control-request-method'] as string
  const served = servedRoutes(registration.instance, registration.registry, method, request)
  if (served.kind === 'unknown') {
    refuseUnknownRoute(registration, request, reply, method)
    return
  }
  const targets = served.kind === 'none' ? registration.targets : served.records
  const rule = targets.length === 1 ? staticRule(targets[0].policy) : null
  if (rule !== null) {
    finishPreflight(registration, request, reply, done, judgeStatic(targets[0], rule, request))
    return
  }
  judgeTargets(targets, request, method, (error, verdict) => {
    if (error !== null) done(error)
    else finishPreflight(registration, request, reply, done, verdict as Verdict)
  })
}

/** Sends the verdict; a preflight passed on by preflightContinue goes to its handler. */
function finishPreflight (registration: Registration, request: FastifyRequest, reply: FastifyReply, done: Done, verdict: Verdict): void {
  const continued = answer(reply, request, verdict)
  if (continued === null) return
  // The plugin's own OPTIONS route answers a preflight passed on to it, with this status.
  if (onOwnOptionsRoute(registration, request)) reply.code(continued.successStatus)
  done()
}

function refuseUnknownRoute (registration: Registration, request: FastifyRequest, reply: FastifyReply, method: string): void {
  const where = `${method} ${request.url}`
  if (explaining(request)) explain(request, 'route', `the preflight for ${where}: Fastify serves it with a route fastify-corsica never saw`, 'declare routes after `await app.register(corsPlugin, ...)`, in a scope where the plugin is registered')
  registration.warnOnce(CORS_ROUTE_UNSEEN, () => `a preflight for ${where} was refused: Fastify serves it with a route fastify-corsica never saw (declared before the plugin loaded, or in a scope without it); declare routes after \`await app.register(corsPlugin, ...)\``)
  refuse(reply, REFUSED_UNKNOWN_ROUTE, null)
}

/** Judges the preflight by each route that may serve it; the first refusal, or what all accept (docs/behaviour.md §5.4). */
function judgeTargets (targets: readonly Target[], request: FastifyRequest, method: string, then: (error: Error | null, verdict?: Verdict) => void): void {
  if (targets.length === 1) {
    judgeTarget(targets[0], request, then)
    return
  }
  // Policies as they are now: a reconfiguration while a delegator is awaited must not mix two (§8).
  const fixed = targets.map((target): Target => ({ owner: target.owner, policy: target.policy, routeCors: target.routeCors, entry: target.entry }))
  const accepted: Acceptance[] = []
  const next = (index: number): void => {
    if (index === fixed.length) {
      then(null, combineAcceptances(accepted, method))
      return
    }
    judgeTarget(fixed[index], request, (error, verdict) => {
      if (error !== null) then(error)
      else if ((verdict as Verdict).refused !== null) then(null, verdict)
      else {
        accepted.push(verdict as Acceptance)
        next(index + 1)
      }
    })
  }
  next(0)
}

/** Judges the preflight by one route's policy, under the registration that owns the route. */
function judgeTarget (target: Target, request: FastifyRequest, then: (error: Error | null, verdict?: Verdict) => void): void {
  const rule = staticRule(target.policy)
  if (rule !== null) {
    then(null, judgeStatic(target, rule, request))
    return
  }
  resolvePolicy(target.owner, target.policy, target.routeCors, request, (error, policy, resolvedRule) => {
    if (error !== null) then(error)
    else then(null, judgeStatic({ ...target, policy: policy as NonNullable<typeof policy> }, resolvedRule as NonNullable<typeof resolvedRule>, request))
  })
}

/** Judges the preflight by a target whose policy and origin rule need nothing more resolved. */
function judgeStatic (target: Target, rule: StaticRule, request: FastifyRequest): Verdict {
  // No route serves the requested method: an explanation under 'auto' lists those that are served.
  const routedHere = target.entry === null && target.policy.allowMethods === null ? () => methodsRoutedOn(target.owner, request) : undefined
  return judgePreflight(target.policy, rule, request, target.policy.allowMethods ?? target.owner.registry.autoMethods(target.entry), routedHere)
}

/** The methods Fastify serves on this request's path (for an explanation only: one router lookup per method). */
function methodsRoutedOn (registration: Registration, request: FastifyRequest): string {
  const methods: string[] = []
  for (const method of registration.registry.routedMethods) {
    if (servedRoutes(registration.instance, registration.registry, method, request).kind === 'routes') methods.push(method)
  }
  return methods.join(', ')
}

/** True for an OPTIONS request that landed on the plugin's own `OPTIONS *` route. */
function onOwnOptionsRoute (registration: Registration, request: FastifyRequest): boolean {
  return request.raw.method === 'OPTIONS' && recordIn(registration.registry, routeConfigOf(request), 'OPTIONS')?.isCatchAll === true
}

/**
 * The hooks a registration adds: preflights, and OPTIONS requests its own `OPTIONS *` route
 * answers, always in `onRequest`; actual requests in the configured `hook` (docs/behaviour.md §4.3).
 */
export function buildHooks (registration: Registration): Array<[CorsHook, RequestHook | PayloadHook]> {
  const answers = registration.answersPreflights
  if (registration.hook === 'onRequest') {
    return [['onRequest', function corsicaOnRequest (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      if (answers && isPreflight(request)) preflight(registration, request, reply, done)
      else actualRequest(registration, request, reply, undefined, done)
    }]]
  }
  const hooks: Array<[CorsHook, RequestHook | PayloadHook]> = []
  if (answers) {
    hooks.push(['onRequest', function corsicaPreflight (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      if (isPreflight(request)) preflight(registration, request, reply, done)
      else if (onOwnOptionsRoute(registration, request)) actualRequest(registration, request, reply, undefined, done)
      else done()
    }])
  }
  // A preflight this registration answers, or an OPTIONS its own route answers, was settled in
  // onRequest (the route's 400 is a string, which preSerialization never sees); later hooks leave it alone.
  const actual: PayloadHook = (request, reply, payload, done) => {
    if (answers && (isPreflight(request) || onOwnOptionsRoute(registration, request))) done(null, payload)
    else actualRequest(registration, request, reply, payload, done)
  }
  if (registration.hook === 'preValidation' || registration.hook === 'preHandler') {
    hooks.push([registration.hook, function corsicaHook (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      actual(request, reply, undefined, done)
    }])
  } else {
    hooks.push([registration.hook, function corsicaPayloadHook (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void {
      actual(request, reply, payload, done)
    }])
  }
  return hooks
}

/**
 * The handler of the `OPTIONS *` route. It sees preflights passed on by `preflightContinue`
 * (headers and status already set) and OPTIONS requests that are not preflights (docs/behaviour.md §3.7).
 */
export function buildOptionsHandler (registration: Registration): OptionsHandler {
  return function corsicaOptionsRoute (request: FastifyRequest, reply: FastifyReply): void {
    if (isPreflight(request)) {
      reply.header('content-length', '0').send()
      return
    }
    const current = registration.policy
    if (current.delegation === null) {
      notAPreflight(current, request, reply)
      return
    }
    // strictPreflight may come from the delegator: ask it for this request (a rare request).
    resolvePolicy(registration, current, undefined, request, (error, policy) => {
      if (error !== null) reply.send(error)
      else notAPreflight(policy as NonNullable<typeof policy>, request, reply)
    })
  }
}

/** An OPTIONS request that is not a preflight, on the plugin's own `OPTIONS *` route (docs/behaviour.md §3.7). */
function notAPreflight (policy: Policy, request: FastifyRequest, reply: FastifyReply): void {
  // With origin: false CORS is off, so a malformed preflight is no business of the plugin's: 404, as @fastify/cors.
  const strict = policy.strictPreflight && policy.enabled
  if (explaining(request)) {
    explain(request, 'malformed', `OPTIONS ${request.url}: it is not a preflight (a preflight has both Origin and Access-Control-Request-Method) and no OPTIONS route of yours handles it`,
      strict ? 'send both headers, declare an OPTIONS route for the path, or set strictPreflight: false to answer 404 instead of 400' : 'declare an OPTIONS route for the path if it should be answered')
  }
  if (strict) reply.code(400).type('text/plain; charset=utf-8').send(INVALID_PREFLIGHT)
  else reply.callNotFound()
}
