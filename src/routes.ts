import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import { isLateHook, type Scope } from './hook.js'
import { applyDynamicPolicy, applyPolicy, isPreflight, sendPreflightAnswer } from './request.js'

/** The body @fastify/cors sends for a malformed preflight under strictPreflight (SPEC 3.7). */
export const INVALID_PREFLIGHT = 'Invalid Preflight Request'

/**
 * Registers `OPTIONS *` in the scope so every preflight has a route to land on.
 * A user's own OPTIONS route for a path is more specific and wins for that path (SPEC 3.7).
 */
export function registerOptionsRoute (scope: Scope): void {
  const { policy, instance } = scope
  const late = isLateHook(scope.hook)

  instance.route({
    method: 'OPTIONS',
    url: '*',
    // 'hide' is read by @fastify/swagger; Fastify itself ignores it.
    schema: { hide: policy.options.hideOptionsRoute } as FastifySchema,
    ...(policy.options.logLevel === undefined ? {} : { logLevel: policy.options.logLevel }),
    config: { [scope.token]: true },
    handler: function corsicaOptionsRoute (request: FastifyRequest, reply: FastifyReply): void {
      if (!isPreflight(request)) {
        if (policy.strictPreflight) reply.code(400).type('text/plain; charset=utf-8').send(INVALID_PREFLIGHT)
        else reply.callNotFound()
        return
      }
      if (!late) {
        // The hook set the headers and let the preflight through (preflightContinue).
        sendPreflightAnswer(reply, policy)
        return
      }
      // Hooks that run after the handler cannot answer a preflight, so the route does.
      const origin = policy.origin
      if (origin.kind === 'dynamic') {
        applyDynamicPolicy(policy, origin.fn, instance, request, reply, true, true, (error) => {
          if (error !== undefined) reply.send(error)
          else sendPreflightAnswer(reply, policy)
        })
      } else if (!applyPolicy(policy, origin, request, reply, true, true)) {
        sendPreflightAnswer(reply, policy)
      }
    }
  })
}
