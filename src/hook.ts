import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Delegation } from './delegator.js'
import { explain, explaining } from './explain.js'
import type { Policy } from './policy.js'
import { applyDynamicPolicy, applyPolicy, applyToPreflight, applyToRequest, isPreflight, sendPreflightAnswer, type Next } from './request.js'
import { compiledSlot, INVALID_PREFLIGHT, slotOf, type Registry, type RouteSlot } from './routes.js'
import type { CorsHook, RouteCorsOptions } from './schema.js'

/** Hooks that run after the handler: they decorate the response; the OPTIONS route answers preflights. */
export function isLateHook (hook: CorsHook): boolean {
  return hook === 'preSerialization' || hook === 'onSend'
}

/** One registration of the plugin: what its hook and its OPTIONS route share. */
export interface Scope {
  readonly instance: FastifyInstance
  readonly policy: Policy
  readonly hook: CorsHook
  /** `preflight` option: whether this registration answers preflights at all. */
  readonly answersPreflights: boolean
  readonly registry: Registry
  readonly delegation: Delegation | null
  /** Identifies this registration in route slots. */
  readonly owner: object
}

// The policy that judged a preflight which then went on to a handler (preflightContinue, late hooks).
const continuedPreflights = new WeakMap<FastifyReply, Policy>()

/**
 * Judges one request and calls `next(null, payload)` unless the response was sent.
 * Static options without a delegator take a synchronous path that allocates nothing (SPEC 5).
 */
function judge (scope: Scope, request: FastifyRequest, reply: FastifyReply, payload: unknown, canAnswer: boolean, next: Next): void {
  if (scope.answersPreflights && isPreflight(request)) judgePreflight(scope, request, reply, payload, canAnswer, next)
  else judgeRoute(scope, request, reply, payload, false, canAnswer, next)
}

/** SPEC 3.8: a preflight is judged by the route that serves the requested method on its path. */
function judgePreflight (scope: Scope, request: FastifyRequest, reply: FastifyReply, payload: unknown, canAnswer: boolean, next: Next): void {
  const registry = scope.registry
  // With one registration the route the preflight landed on (the OPTIONS catch-all, usually)
  // tells nothing, and while every route shares its policy no lookup is needed either.
  if (!registry.single) {
    judgeRoute(scope, request, reply, payload, true, canAnswer, next)
    return
  }
  decide(scope, preflightTarget(registry, request, requestedMethod(request)), request, reply, payload, true, canAnswer, next)
}

/** The route that serves the preflight's requested method on its path; none needed while every route shares one policy. */
function preflightTarget (registry: Registry, request: FastifyRequest, method: string): RouteSlot | null {
  return registry.uniform ? null : registry.findForPreflight(method, request.url)
}

function requestedMethod (request: FastifyRequest): string {
  return request.headers['access-control-request-method'] as string
}

/** Judges by the slot of the route the request landed on, which also says which registration owns it. */
function judgeRoute (scope: Scope, request: FastifyRequest, reply: FastifyReply, payload: unknown, preflight: boolean, canAnswer: boolean, next: Next): void {
  const registry = scope.registry
  const slot = slotOf(registry, request)
  if (slot instanceof Error) {
    next(slot)
    return
  }
  // A registration nested inside this one owns the route and judges it.
  if (slot !== undefined && slot.owner !== scope.owner) {
    next(null, payload)
    return
  }
  const target = preflight ? preflightTarget(registry, request, requestedMethod(request)) : slot ?? null
  decide(scope, target, request, reply, payload, preflight, canAnswer, next)
}

/** Picks the policy (the target route's, or a delegator's) and applies it. */
function decide (scope: Scope, target: RouteSlot | null, request: FastifyRequest, reply: FastifyReply, payload: unknown, preflight: boolean, canAnswer: boolean, next: Next): void {
  const policy = target === null ? scope.policy : target.policy
  // A route with cors: false is disabled whatever a delegator would say, so it is never delegated.
  if (scope.delegation !== null && policy.enabled) {
    scope.delegation.resolve(request, target?.routeCors as RouteCorsOptions | undefined, (error, delegated) => {
      if (error !== null) next(error)
      else run(scope, delegated as Policy, target, request, reply, payload, preflight, canAnswer, next)
    })
    return
  }
  run(scope, policy, target, request, reply, payload, preflight, canAnswer, next)
}

function run (
  scope: Scope,
  policy: Policy,
  target: RouteSlot | null,
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  preflight: boolean,
  canAnswer: boolean,
  next: Next
): void {
  // Only preflights answer with methods: an actual request never looks them up.
  const allowMethods = preflight ? scope.registry.allowMethodsFor(policy, target) : ''
  if (preflight && (policy.preflightContinue || !canAnswer)) continuedPreflights.set(reply, policy)
  const origin = policy.origin
  if (origin.kind === 'dynamic') {
    applyDynamicPolicy(policy, origin, scope.instance, request, reply, preflight, canAnswer, allowMethods, payload, next)
  } else if (!applyPolicy(policy, origin, request, reply, preflight, canAnswer, allowMethods)) {
    next(null, payload)
  }
}

/**
 * The common cases of an early hook, judged without the general path's chain of calls:
 * no delegator, the route owned by this registration; for preflights, one registration on
 * the server and no preflightContinue. The same decisions as `judge`, which
 * takes every other case. Returns false when it left the request to `judge`.
 */
function judgeCommon (scope: Scope, request: FastifyRequest, reply: FastifyReply, done: Next): boolean {
  if (scope.delegation !== null) return false
  const registry = scope.registry
  if (request.raw.method !== 'OPTIONS') {
    // Never a preflight: the route the request landed on decides.
    const slot = compiledSlot(registry, request)
    if (slot === undefined || slot.owner !== scope.owner) return false
    const policy = slot.policy
    const origin = policy.origin
    if (origin.kind === 'dynamic') applyDynamicPolicy(policy, origin, scope.instance, request, reply, false, true, '', undefined, done)
    else {
      applyToRequest(policy, origin, request, reply)
      done()
    }
    return true
  }
  // A preflight (isPreflight, with request.headers read once: it is a getter).
  const headers = request.headers
  const method = headers['access-control-request-method']
  if (!scope.answersPreflights || !registry.single || headers.origin === undefined || method === undefined) return false
  const target = preflightTarget(registry, request, method)
  const policy = target === null ? scope.policy : target.policy
  if (policy.preflightContinue) return false
  const origin = policy.origin
  const allowMethods = registry.allowMethodsFor(policy, target)
  if (origin.kind === 'dynamic') {
    // Calls `done` only when the origin function failed or its result was invalid.
    applyDynamicPolicy(policy, origin, scope.instance, request, reply, true, true, allowMethods, undefined, done)
  } else {
    // Answered or refused here: the response is sent, so `done` is not called.
    applyToPreflight(policy, origin, request, reply, true, allowMethods)
  }
  return true
}

/** Builds the function Fastify calls for the configured hook (SPEC 2, `hook`). */
export function buildHook (scope: Scope): (...args: never[]) => void {
  if (scope.hook === 'onRequest' || scope.hook === 'preValidation' || scope.hook === 'preHandler') {
    return function corsicaHook (request: FastifyRequest, reply: FastifyReply, done: Next): void {
      if (!judgeCommon(scope, request, reply, done)) judge(scope, request, reply, undefined, true, done)
    }
  }
  const canAnswer = !isLateHook(scope.hook)
  return function corsicaPayloadHook (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Next): void {
    // After the handler, the OPTIONS route has already answered its preflights.
    if (!canAnswer && continuedPreflights.has(reply)) {
      done(null, payload)
      return
    }
    judge(scope, request, reply, payload, canAnswer, done)
  }
}

/**
 * The handler of the `OPTIONS *` route. With an early hook it only sees preflights let
 * through by preflightContinue and malformed preflights; with a late hook it answers
 * preflights itself, since those hooks run after it.
 */
export function buildOptionsHandler (scope: Scope): (request: FastifyRequest, reply: FastifyReply) => void {
  const late = isLateHook(scope.hook)
  return function corsicaOptionsRoute (request: FastifyRequest, reply: FastifyReply): void {
    if (!isPreflight(request)) {
      if (explaining(request)) {
        explain(request, 'malformed', `OPTIONS ${request.url}: it is not a preflight (a preflight has both Origin and Access-Control-Request-Method) and no OPTIONS route of yours handles it`,
          scope.policy.strictPreflight ? 'send both headers, declare an OPTIONS route for the path, or set strictPreflight: false to answer 404 instead of 400' : 'declare an OPTIONS route for the path if it should be answered')
      }
      if (scope.policy.strictPreflight) reply.code(400).type('text/plain; charset=utf-8').send(INVALID_PREFLIGHT)
      else reply.callNotFound()
      return
    }
    if (!late) {
      sendPreflightAnswer(reply, continuedPreflights.get(reply) as Policy)
      return
    }
    // Marks the preflight as answered here, so the late hook leaves it alone.
    continuedPreflights.set(reply, scope.policy)
    judge(scope, request, reply, undefined, true, (error) => {
      if (error != null) reply.send(error)
      else sendPreflightAnswer(reply, continuedPreflights.get(reply) as Policy)
    })
  }
}
