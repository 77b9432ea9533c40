import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import vary from 'vary'
import { CorsRequestError, CORS_INVALID_ORIGIN_RESULT } from './errors.js'
import { compileStaticOrigin, isReflectable, MAX_ORIGIN_LENGTH, NOT_ALLOWED, REFLECT_ORIGIN, type DynamicRule, type StaticRule } from './origin.js'
import type { Policy } from './policy.js'
import { checkStaticOrigin, type StaticOrigin } from './schema.js'
import { isTokenList } from './tokens.js'
import { ownSymbol } from './routes.js'
import { checkRequested, explainOrigin, REFUSED_DISABLED, REFUSED_ORIGIN } from './explain.js'

/** The continuation Fastify hands a hook: `next(error)`, or `next(null, payload)` to go on. */
export type Next = (error?: Error | null, payload?: unknown) => void

/** SPEC 3.1: a preflight is OPTIONS + Origin + Access-Control-Request-Method; nothing else is. */
export function isPreflight (request: FastifyRequest): boolean {
  return request.raw.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
}

/** Appends a field to Vary without losing what is there (SPEC 3.4). */
export function addVary (reply: FastifyReply, field: string): void {
  const current = currentVary(reply)
  reply.header('vary', current === undefined ? field : vary.append(String(current), field))
}

// The symbol under which Fastify keeps the headers set with reply.header(), found on the
// first reply (null: none); see currentVary.
let replyHeadersKey: symbol | null | undefined

/**
 * `reply.getHeader('vary')` without lower-casing 'vary' on every request: the headers set
 * with reply.header() are read where Fastify keeps them, then those set on reply.raw. A reply
 * that keeps them otherwise (another Fastify version or copy) is asked through getHeader.
 */
export function currentVary (reply: FastifyReply): unknown {
  if (replyHeadersKey === undefined) replyHeadersKey = ownSymbol(reply, 'fastify.reply.headers') ?? null
  const headers = replyHeadersKey === null ? undefined : (reply as unknown as Record<symbol, unknown>)[replyHeadersKey]
  if (typeof headers !== 'object' || headers === null) return reply.getHeader('vary')
  const value = (headers as Record<string, unknown>).vary
  return value !== undefined ? value : reply.raw.getHeader('vary')
}

/**
 * The Access-Control-Allow-Origin value for this request, or null when the origin is not
 * allowed. A single fixed origin is sent as-is to actual requests (as @fastify/cors does);
 * a preflight must match it.
 */
function allowedOrigin (rule: StaticRule, origin: string | undefined, preflight: boolean): string | null {
  switch (rule.kind) {
    case 'none':
      return null
    case 'any':
      return '*'
    case 'fixed':
      return preflight && origin !== rule.value ? null : rule.value
    case 'reflect':
      return origin !== undefined && origin !== 'null' && isReflectable(origin) ? origin : null
    case 'match':
      return origin !== undefined && origin.length <= MAX_ORIGIN_LENGTH && rule.matches(origin) ? origin : null
  }
}

/** SPEC 3.6: 403, no CORS headers, a short reason; nothing after this runs. */
export function refusePreflight (reply: FastifyReply, reason: string): boolean {
  reply.code(403).type('text/plain; charset=utf-8').send(reason)
  return true
}

/**
 * Applies `policy` to the request with the origin rule already resolved. Preflights are
 * answered here unless `preflightContinue` (SPEC 3.5, 3.6); actual requests only get headers.
 * With `canAnswer` false (hooks that run after the handler) it only sets headers.
 * Returns true when it sent the response.
 */
export function applyPolicy (
  policy: Policy,
  rule: StaticRule,
  request: FastifyRequest,
  reply: FastifyReply,
  preflight: boolean,
  canAnswer: boolean,
  allowMethods: string
): boolean {
  if (preflight) return applyToPreflight(policy, rule, request, reply, canAnswer, allowMethods)
  applyToRequest(policy, rule, request, reply)
  return false
}

/** An actual request (or OPTIONS that is not a preflight): CORS headers only, never an answer. */
export function applyToRequest (policy: Policy, rule: StaticRule, request: FastifyRequest, reply: FastifyReply): void {
  const allowOrigin = allowedOrigin(rule, request.headers.origin, false)
  if (policy.varyOrigin) addVary(reply, 'Origin')
  if (allowOrigin === null) {
    explainOrigin(request, policy, false)
    return
  }
  reply.header('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (policy.exposeHeaders !== null) reply.header('access-control-expose-headers', policy.exposeHeaders)
}

/** A preflight: refused (403), answered, or given its headers and passed on (SPEC 3.5, 3.6). */
export function applyToPreflight (policy: Policy, rule: StaticRule, request: FastifyRequest, reply: FastifyReply, canAnswer: boolean, allowMethods: string): boolean {
  // Read once: request.headers is a getter.
  const headers = request.headers
  const allowOrigin = allowedOrigin(rule, headers.origin, true)
  if (allowOrigin === null) {
    if (policy.varyOrigin) addVary(reply, 'Origin')
    explainOrigin(request, policy, true)
    return canAnswer && refusePreflight(reply, policy.enabled ? REFUSED_ORIGIN : REFUSED_DISABLED)
  }
  if (policy.preflightVary !== null) addVary(reply, policy.preflightVary)
  const requested = headers['access-control-request-headers']
  const refused = checkRequested(request, policy, allowMethods, headers['access-control-request-method'] as string, requested)
  if (refused !== null) return canAnswer && refusePreflight(reply, refused)
  reply.header('access-control-allow-origin', allowOrigin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (allowMethods !== '') reply.header('access-control-allow-methods', allowMethods)
  if (policy.allowHeaders !== null) {
    reply.header('access-control-allow-headers', policy.allowHeaders)
  } else if (requested !== undefined && isTokenList(requested)) {
    // Reflected only when it is a clean token list: junk is never echoed back (SPEC 3.10).
    reply.header('access-control-allow-headers', requested)
  }
  if (policy.maxAge !== null) reply.header('access-control-max-age', policy.maxAge)
  if (policy.cacheControl !== null) reply.header('cache-control', policy.cacheControl)
  if (policy.preflightContinue || !canAnswer) return false
  sendPreflightAnswer(reply, policy)
  return true
}

/** Safari waits for a body on a 204 without Content-Length, so say 0 explicitly. */
export function sendPreflightAnswer (reply: FastifyReply, policy: Policy): void {
  reply.code(policy.successStatus).header('content-length', '0').send()
}

// Results of origin functions, compiled once per distinct value (arrays and RegExps by identity).
const compiledByIdentity = new WeakMap<object, StaticRule>()
const compiledByString = new Map<string, StaticRule>()
const STRING_CACHE_LIMIT = 1000

/** Validates and compiles what an origin function resolved to, like a static option (SPEC 2.1). */
export function ruleForResult (value: unknown, credentials: boolean): StaticRule {
  if (typeof value === 'boolean') return value ? REFLECT_ORIGIN : NOT_ALLOWED
  let rule = typeof value === 'string'
    ? compiledByString.get(value)
    : typeof value === 'object' && value !== null ? compiledByIdentity.get(value) : undefined
  if (rule === undefined) {
    if (!checkStaticOrigin.Check(value)) {
      const hint = value === undefined ? ' (a function that calls back must declare the callback as its second parameter)' : ''
      throw new CorsRequestError(CORS_INVALID_ORIGIN_RESULT, `the origin function resolved to ${typeof value === 'object' ? JSON.stringify(value) : String(value)}; it must resolve to a boolean, a string origin, a RegExp or an array of those${hint}`)
    }
    const compiled = compileStaticOrigin(value as StaticOrigin, 'origin()')
    if (compiled.issues.length > 0) {
      throw new CorsRequestError(CORS_INVALID_ORIGIN_RESULT, `the origin function resolved to an invalid origin: ${compiled.issues.map((issue) => issue.message).join('; ')}`)
    }
    rule = compiled.rule
    if (typeof value === 'string') {
      if (compiledByString.size >= STRING_CACHE_LIMIT) compiledByString.clear()
      compiledByString.set(value, rule)
    } else {
      compiledByIdentity.set(value as object, rule)
    }
  }
  if (credentials && rule.kind === 'any') {
    throw new CorsRequestError(CORS_INVALID_ORIGIN_RESULT, "the origin function resolved to '*' but credentials is true; browsers reject that pair. Resolve to true to reflect the origin instead")
  }
  return rule
}

/** Which user function failed, for the error that says so. */
export interface UserFunctionKind {
  readonly name: string
  readonly code: string
}

export const ORIGIN_FUNCTION: UserFunctionKind = { name: 'origin function', code: CORS_INVALID_ORIGIN_RESULT }

/**
 * What a user function threw or rejected with, as an Error for Fastify's error handler (500).
 * `throw undefined` or `reject('nope')` is a failure too, never a silent success.
 */
export function failure (reason: unknown, kind: UserFunctionKind): Error {
  if (reason instanceof Error) return reason
  const what = typeof reason === 'object' && reason !== null ? 'an object that is not an Error' : String(reason)
  return new CorsRequestError(kind.code, `the ${kind.name} failed with ${what}; throw or reject with an Error`)
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}

/**
 * Calls a user function (origin function or delegator) in callback, promise or plain
 * return style and settles exactly once, whatever mix of those it uses, or if it throws (SPEC 2.1).
 * A callback called with a null or undefined error succeeds with its value.
 */
export function callUserFunction<A> (
  fn: (this: FastifyInstance, arg: A, callback: never) => unknown,
  instance: FastifyInstance,
  arg: A,
  kind: UserFunctionKind,
  settle: (error: Error | null, value?: unknown) => void
): void {
  let settled = false
  const once = (error: unknown, value?: unknown): void => {
    if (settled) return
    settled = true
    settle(error === null || error === undefined ? null : failure(error, kind), value)
  }
  let returned: unknown
  try {
    returned = fn.call(instance, arg, once as never)
  } catch (error) {
    once(failure(error, kind))
    return
  }
  if (isThenable(returned)) {
    returned.then((value) => once(null, value), (reason: unknown) => once(failure(reason, kind)))
  } else if (returned !== undefined) {
    once(null, returned)
  }
}

/**
 * Resolves a policy's origin function for this request, then applies the policy and calls
 * `next(null, payload)` unless the response was sent, or `next(error)`. A function that
 * declares no callback parameter (`async (origin) => ...`) is called without one: its promise
 * or return value settles once by itself, so nothing is built to guard it.
 */
export function applyDynamicPolicy (
  policy: Policy,
  rule: DynamicRule,
  instance: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  preflight: boolean,
  canAnswer: boolean,
  allowMethods: string,
  payload: unknown,
  next: Next
): void {
  const origin = request.headers.origin
  const fn = rule.fn
  if (rule.takesCallback) {
    callUserFunction(fn, instance, origin, ORIGIN_FUNCTION, (error, value) => {
      if (error !== null) next(error)
      else applyResolved(policy, value, request, reply, preflight, canAnswer, allowMethods, payload, next)
    })
    return
  }
  let returned: unknown
  try {
    returned = fn.call(instance, origin, undefined as never)
  } catch (error) {
    next(failure(error, ORIGIN_FUNCTION))
    return
  }
  if (isThenable(returned)) {
    returned.then(
      (value) => { applyResolved(policy, value, request, reply, preflight, canAnswer, allowMethods, payload, next) },
      (reason: unknown) => { next(failure(reason, ORIGIN_FUNCTION)) }
    )
  } else {
    applyResolved(policy, returned, request, reply, preflight, canAnswer, allowMethods, payload, next)
  }
}

/** Applies the policy with what the origin function resolved to, once it is validated. */
function applyResolved (
  policy: Policy,
  value: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  preflight: boolean,
  canAnswer: boolean,
  allowMethods: string,
  payload: unknown,
  next: Next
): void {
  let rule: StaticRule
  try {
    rule = ruleForResult(value, policy.credentials)
  } catch (invalid) {
    next(invalid as Error)
    return
  }
  if (!applyPolicy(policy, rule, request, reply, preflight, canAnswer, allowMethods)) next(null, payload)
}
