import type { Channel } from 'node:diagnostics_channel'
import type { FastifyRequest } from 'fastify'
import type { OriginSetBy, Policy } from '../config/compiled.js'

/** The short reasons a refused preflight carries in its 403 body (docs/behaviour.md §3.6). */
export const REFUSED_ORIGIN = 'CORS preflight refused: origin not allowed'
export const REFUSED_DISABLED = 'CORS preflight refused: CORS is disabled for this route'
export const REFUSED_METHOD = 'CORS preflight refused: method not allowed'
export const REFUSED_HEADER = 'CORS preflight refused: request header not allowed'
export const REFUSED_OUTSIDE = "CORS preflight refused: the route is outside fastify-corsica's scope (it gets no CORS headers)"
export const REFUSED_UNREADABLE = 'CORS preflight refused: the request target is not a path'

/** Whether refusals are explained (debug or trace): checked before building a message, so no string work otherwise. */
export function explaining (request: FastifyRequest): boolean {
  const level = request.log.level
  return level === 'debug' || level === 'trace'
}

/** Logs one debug line explaining a refusal: who asked, for what, which rule said no, and the fix. Call only when `explaining(request)`. */
export function explain (request: FastifyRequest, rule: string, what: string, fix: string): void {
  request.log.debug(
    { cors: { refused: rule, origin: request.headers.origin ?? null, method: request.method, path: request.url } },
    `fastify-corsica refused ${what}; ${fix}`
  )
}

export function explainOrigin (request: FastifyRequest, policy: Policy, preflight: boolean): void {
  const origin = request.headers.origin
  // Without Origin it is not a CORS request: nothing was refused, the answer only varies by Origin.
  if (origin === undefined || !explaining(request)) return
  if (!policy.enabled) {
    explain(request, 'disabled', `the preflight from ${origin} to ${request.url}: CORS is disabled for this route (config.cors: false or origin: false)`, 'remove cors: false from the route (or set origin) if cross-origin calls are intended')
  } else {
    const where = policy.originSetBy === 'route' ? "this route's config.cors.origin (it overrides the plugin's origin)" : policy.originSetBy === 'delegator' ? 'the origin your delegator returns for this request' : "the plugin's origin option"
    explain(request, 'origin', `${preflight ? 'the preflight' : 'CORS headers'} for ${origin} on ${request.url}: the origin is not allowed`, `add ${JSON.stringify(origin)} to ${where} if it should be allowed`)
  }
}

/** The stable reason of a decision (docs/behaviour.md §3.14). */
export type ReasonCode = 'allowed' | 'origin-not-allowed' | 'cors-disabled' | 'method-not-allowed' | 'header-not-allowed' | 'route-outside-scope' | 'target-not-a-path'

const REASONS = new Map<string | null, ReasonCode>([
  [null, 'allowed'], [REFUSED_ORIGIN, 'origin-not-allowed'], [REFUSED_DISABLED, 'cors-disabled'], [REFUSED_METHOD, 'method-not-allowed'],
  [REFUSED_HEADER, 'header-not-allowed'], [REFUSED_OUTSIDE, 'route-outside-scope'], [REFUSED_UNREADABLE, 'target-not-a-path']
])

/** What the `fastify-corsica` diagnostics channel receives for each decision (docs/behaviour.md §3.14). */
export interface CorsDecision {
  readonly kind: 'actual' | 'preflight'
  readonly origin: string
  /** The request's method; for a preflight, the method it asks for. */
  readonly method: string
  /** The URL pattern of the route that decided (null: no route of the plugin's, e.g. a 404). */
  readonly route: string | null
  readonly allowed: boolean
  readonly reason: ReasonCode
  /** Whose options decided: the plugin's, a route's `config.cors`, a delegator's result; null when no policy applied. */
  readonly policy: OriginSetBy | null
}

/** Publishes one decision (`refused`: the refusal's text, null when allowed). Call only when the channel has subscribers. */
export function publish (channel: Channel, request: FastifyRequest, kind: CorsDecision['kind'], route: string | null, policy: Policy | null, refused: string | null): void {
  const method = kind === 'preflight' ? request.headers['access-control-request-method'] as string : request.method
  const origin = request.headers.origin as string
  // A single configured origin is sent whatever the Origin (as @fastify/cors does): the browser refuses the others.
  const reason = refused === null && policy?.origin.kind === 'fixed' && policy.origin.value !== origin ? 'origin-not-allowed' : REASONS.get(refused) as ReasonCode
  const decision: CorsDecision = { kind, origin, method, route, allowed: reason === 'allowed', reason, policy: policy?.decidedBy ?? null }
  channel.publish(decision)
}
