import type { FastifyRequest } from 'fastify'
import type { Policy } from './policy.js'
import { SAFELISTED_METHODS } from './tokens.js'

/** The short reasons a refused preflight carries in its 403 body (SPEC 3.6). */
export const REFUSED_ORIGIN = 'CORS preflight refused: origin not allowed'
export const REFUSED_DISABLED = 'CORS preflight refused: CORS is disabled for this route'
export const REFUSED_METHOD = 'CORS preflight refused: method not allowed'
export const REFUSED_HEADER = 'CORS preflight refused: request header not allowed'

/**
 * Whether refusals are explained for this request (debug or trace logging). Callers check
 * it before building their message, so a refusal costs no string work when debug is off.
 */
export function explaining (request: FastifyRequest): boolean {
  const level = request.log.level
  return level === 'debug' || level === 'trace'
}

/**
 * Logs one debug line explaining a refusal: who asked, for what, which rule said no and
 * how to allow it if that was intended. Call only when `explaining(request)`.
 */
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
    explain(request, 'origin', `${preflight ? 'the preflight' : 'CORS headers'} for ${origin} on ${request.url}: the origin is not allowed`, `add ${JSON.stringify(origin)} to origin (or to this route's config.cors.origin) if it should be allowed`)
  }
}

/** True when `item` is one entry of a `', '`-joined list, found without building an array. */
function listHas (list: string, item: string): boolean {
  for (let at = list.indexOf(item); at !== -1; at = list.indexOf(item, at + 1)) {
    const end = at + item.length
    if ((at === 0 || list.charCodeAt(at - 1) === 32) && (end === list.length || list.charCodeAt(end) === 44)) return true
  }
  return false
}

/**
 * `list.includes(value)` as a loop of comparisons: the request's value is never hashed, and
 * names of another length are skipped without a string comparison.
 */
function includesString (list: readonly string[], value: string): boolean {
  const length = value.length
  for (let i = 0; i < list.length; i++) {
    const item = list[i]
    if (item.length === length && item === value) return true
  }
  return false
}

/**
 * Checks the preflight's requested method and headers against what the policy will
 * answer (`method` and `requested`: the preflight's Access-Control-Request-Method and
 * -Headers); returns the 403 reason when the browser would refuse anyway, or null.
 */
export function checkRequested (request: FastifyRequest, policy: Policy, allowMethods: string, method: string, requested: string | undefined): string | null {
  // A policy with a fixed list compares with its few names (no hashing of the request's
  // value); 'auto' and '*' check the joined list.
  const accepted = policy.acceptedMethods
  const allowed = accepted !== null
    ? includesString(accepted, method)
    : (allowMethods === '*' && !policy.credentials) || SAFELISTED_METHODS.has(method) || listHas(allowMethods, method)
  if (!allowed) return refuseMethod(request, method, allowMethods)
  if (policy.allowHeadersLower === null || requested === undefined) return null
  return checkHeaders(request, policy, method, requested)
}

function refuseMethod (request: FastifyRequest, method: string, allowMethods: string): string {
  if (explaining(request)) explain(request, 'method', `the preflight for ${method} ${request.url} from ${request.headers.origin}: ${method} is not in methods (${allowMethods === '' ? 'none' : allowMethods})`, `add '${method}' to methods (or this route's config.cors.methods) if it should be allowed`)
  return REFUSED_METHOD
}

/** Each requested header name must be in the configured allowedHeaders. */
function checkHeaders (request: FastifyRequest, policy: Policy, method: string, requested: string): string | null {
  const allowedHeaders = policy.allowHeadersLower as string
  // Without credentials '*' allows every name but Authorization, which must be listed (Fetch, CORS-preflight fetch).
  const wildcard = !policy.credentials && listHas(allowedHeaders, '*')
  for (const name of requested.split(',')) {
    const header = name.trim().toLowerCase()
    if (header !== '' && !listHas(allowedHeaders, header) && !(wildcard && header !== 'authorization')) {
      if (explaining(request)) explain(request, 'header', `the preflight for ${method} ${request.url} from ${request.headers.origin}: request header '${header}' is not in allowedHeaders (${policy.allowHeaders})`, `add '${header}' to allowedHeaders if it should be allowed`)
      return REFUSED_HEADER
    }
  }
  return null
}
