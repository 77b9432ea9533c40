import type { FastifyReply, FastifyRequest } from 'fastify'
import { explain, explainOrigin, explaining, REFUSED_DISABLED, REFUSED_HEADER, REFUSED_METHOD, REFUSED_ORIGIN } from './explain.js'
import { allowOriginFor, type StaticRule } from './origin.js'
import { mostRestrictive, type Policy } from './policy.js'
import { reflectableHeaderList, SAFELISTED_METHODS } from './tokens.js'
import { addVary } from './vary.js'

/** docs/behaviour.md §3.1: a preflight is OPTIONS + Origin + Access-Control-Request-Method; nothing else is. */
export function isPreflight (request: FastifyRequest): boolean {
  const headers = request.headers
  return request.raw.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
}

/** How one policy answers a preflight: refused with a reason, or accepted. */
export type Verdict = Refusal | Acceptance

export interface Refusal {
  readonly refused: string
  /** Vary still sent with the refusal, when the answer depended on the request. */
  readonly vary: string | null
}

export interface Acceptance {
  readonly refused: null
  readonly policy: Policy
  readonly allowOrigin: string
  /** Access-Control-Allow-Methods: the policy's list, or the methods routed on the path under 'auto'. */
  readonly allowMethods: string
}

/**
 * Judges a preflight under `policy`, its origin rule resolved (docs/behaviour.md §3.5, §3.6):
 * the origin, then the requested method, then the requested headers. Refusals are explained
 * at debug level.
 */
export function judgePreflight (policy: Policy, rule: StaticRule, request: FastifyRequest, allowMethods: string, routedHere?: () => string): Verdict {
  const headers = request.headers
  const allowOrigin = allowOriginFor(rule, headers.origin, true)
  if (allowOrigin === null) {
    explainOrigin(request, policy, true)
    return { refused: policy.enabled ? REFUSED_ORIGIN : REFUSED_DISABLED, vary: policy.varyOrigin ? 'Origin' : null }
  }
  const method = headers['access-control-request-method'] as string
  if (!acceptsMethod(policy, allowMethods, method)) {
    if (explaining(request)) explainMethod(request, policy, method, routedHere === undefined ? allowMethods : routedHere())
    return { refused: REFUSED_METHOD, vary: policy.preflightVary }
  }
  const requested = headers['access-control-request-headers']
  const refusedHeader = requested === undefined ? null : refusedHeaderOf(policy, requested)
  if (refusedHeader !== null) {
    if (explaining(request)) explain(request, 'header', `the preflight for ${method} ${request.url} from ${headers.origin}: request header '${refusedHeader}' is not in allowedHeaders (${policy.allowHeaders})`, `add '${refusedHeader}' to allowedHeaders if it should be allowed`)
    return { refused: REFUSED_HEADER, vary: policy.preflightVary }
  }
  return { refused: null, policy, allowOrigin, allowMethods }
}

/**
 * Why the requested method was refused, and the fix: under `methods: 'auto'` the fix is a route,
 * not an option. `allowMethods`: the methods routed on the path under 'auto', else the list.
 */
function explainMethod (request: FastifyRequest, policy: Policy, method: string, allowMethods: string): void {
  const asked = `the preflight for ${method} ${request.url} from ${request.headers.origin}`
  if (policy.allowMethods === null) {
    explain(request, 'method', `${asked}: no ${method} route serves this path (methods: 'auto'; routed here: ${allowMethods === '' ? 'none' : allowMethods})`, `add a ${method} route for this path if it should be allowed`)
  } else {
    explain(request, 'method', `${asked}: ${method} is not in methods (${allowMethods})`, `add '${method}' to methods (or this route's config.cors.methods) if it should be allowed`)
  }
}

/** GET, HEAD and POST always pass, as in browsers; `'*'` without credentials passes any method. */
function acceptsMethod (policy: Policy, allowMethods: string, method: string): boolean {
  if (policy.acceptedMethods !== null) return policy.acceptedMethods.has(method)
  // A list with '*' passes any method ('*' with credentials is refused at registration), or
  // 'auto': the routed methods.
  if (policy.allowMethods !== null) return true
  return SAFELISTED_METHODS.has(method) || allowMethods.split(', ').includes(method)
}

/** The first requested header name an explicit allowedHeaders does not list, or null. */
function refusedHeaderOf (policy: Policy, requested: string): string | null {
  const names = policy.allowHeaderNames
  if (names === null) return null
  // Without credentials '*' allows every name but Authorization, which must be listed (Fetch, CORS-preflight fetch).
  const wildcard = !policy.credentials && names.has('*')
  for (const item of requested.split(',')) {
    const name = item.trim().toLowerCase()
    if (name !== '' && !names.has(name) && !(wildcard && name !== 'authorization')) return name
  }
  return null
}

/**
 * One answer when several routes may serve the preflight and all of them accept it
 * (docs/behaviour.md §5.4): only what every one of them allows.
 */
export function combineAcceptances (accepted: readonly Acceptance[], requestedMethod: string): Acceptance {
  const { policy, allowMethods } = mostRestrictive(accepted.map((verdict) => verdict.policy), accepted.map((verdict) => verdict.allowMethods), requestedMethod)
  const specific = accepted.find((verdict) => verdict.allowOrigin !== '*')
  return { refused: null, policy, allowOrigin: specific === undefined ? '*' : specific.allowOrigin, allowMethods }
}

/** docs/behaviour.md §3.6: 403, no CORS headers, a short plain-text reason; nothing after this runs. */
export function refuse (reply: FastifyReply, reason: string, vary: string | null): void {
  if (vary !== null) addVary(reply, vary)
  reply.code(403).type('text/plain; charset=utf-8').send(reason)
}

/**
 * Sends the verdict: a 403, or the preflight headers and, unless the policy passes the
 * preflight on to a handler (`preflightContinue`), the empty answer. Returns the policy when
 * the preflight goes on, else null.
 */
export function answer (reply: FastifyReply, request: FastifyRequest, verdict: Verdict): Policy | null {
  if (verdict.refused !== null) {
    refuse(reply, verdict.refused, verdict.vary)
    return null
  }
  const policy = verdict.policy
  if (policy.preflightVary !== null) addVary(reply, policy.preflightVary)
  reply.header('access-control-allow-origin', verdict.allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (verdict.allowMethods !== '') reply.header('access-control-allow-methods', verdict.allowMethods)
  const requested = request.headers['access-control-request-headers']
  if (policy.allowHeaders !== null) {
    reply.header('access-control-allow-headers', policy.allowHeaders)
  } else if (requested !== undefined) {
    // Reflected only when it is a token list: junk is never echoed back (docs/behaviour.md §3.5, §3.11).
    const reflected = reflectableHeaderList(requested)
    if (reflected !== null && reflected !== '') reply.header('access-control-allow-headers', reflected)
  }
  if (policy.maxAge !== null) reply.header('access-control-max-age', policy.maxAge)
  if (policy.cacheControl !== null) reply.header('cache-control', policy.cacheControl)
  if (policy.preflightContinue) return policy
  sendEmpty(reply, policy.successStatus)
  return null
}

/** Safari waits for a body on a 204 without Content-Length, so say 0 explicitly. */
export function sendEmpty (reply: FastifyReply, status: number): void {
  reply.code(status).header('content-length', '0').send()
}
