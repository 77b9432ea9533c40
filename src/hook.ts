import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Policy } from './policy.js'
import { applyDynamicPolicy, applyPolicy, isPreflight } from './request.js'
import type { CorsHook } from './schema.js'

type Done = (error?: Error | null) => void
type PayloadDone = (error: Error | null, payload?: unknown) => void

/** Hooks that run after the handler: they decorate the response; the OPTIONS route answers preflights. */
export function isLateHook (hook: CorsHook): boolean {
  return hook === 'preSerialization' || hook === 'onSend'
}

/** The scope's state shared by its hook and its OPTIONS route. */
export interface Scope {
  readonly instance: FastifyInstance
  readonly policy: Policy
  readonly hook: CorsHook
  /** Marks this scope's own OPTIONS catch-all route in its config. */
  readonly token: symbol
}

/** True when the request was routed to this scope's own OPTIONS catch-all. */
export function isOwnOptionsRoute (scope: Scope, request: FastifyRequest): boolean {
  return (request.routeOptions.config as unknown as Record<symbol, unknown>)[scope.token] === true
}

/**
 * Builds the function Fastify calls for the configured hook (SPEC 2, `hook`). Static
 * origins take a synchronous path that allocates nothing (SPEC 5); only origin
 * functions need a callback.
 */
export function buildHook (scope: Scope): (...args: never[]) => void {
  const policy = scope.policy
  const origin = policy.origin
  const preflights = policy.options.preflight

  if (scope.hook === 'onRequest' || scope.hook === 'preValidation' || scope.hook === 'preHandler') {
    return function corsicaHook (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      const preflight = preflights && isPreflight(request)
      if (origin.kind === 'dynamic') {
        applyDynamicPolicy(policy, origin.fn, scope.instance, request, reply, preflight, true, done)
      } else if (!applyPolicy(policy, origin, request, reply, preflight, true)) {
        done()
      }
    }
  }

  const canAnswer = !isLateHook(scope.hook)
  return function corsicaPayloadHook (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: PayloadDone): void {
    const preflight = preflights && isPreflight(request)
    // After the handler, this scope's OPTIONS route has already answered its preflights.
    if (preflight && !canAnswer && isOwnOptionsRoute(scope, request)) {
      done(null, payload)
    } else if (origin.kind === 'dynamic') {
      applyDynamicPolicy(policy, origin.fn, scope.instance, request, reply, preflight, canAnswer, (error) => done(error ?? null, payload))
    } else if (!applyPolicy(policy, origin, request, reply, preflight, canAnswer)) {
      done(null, payload)
    }
  }
}
