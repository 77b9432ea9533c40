import type { Channel } from 'node:diagnostics_channel'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Policy } from '../config/compiled.js'
import type { CorsHook } from '../config/types.js'
import type { ServerRoutes } from '../routing/registry.js'
import type { Owner } from '../routing/route-table.js'
import { actualRequest, decided } from './actual.js'
import { explain, explaining } from './explain.js'
import { isPreflight, preflight } from './preflight.js'
import { resolvePolicy } from './resolve.js'

/** The continuation Fastify hands a hook: `done(error)`, or `done(null, payload)` to go on. */
export type Done = (error?: Error | null, payload?: unknown) => void
type RequestHook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void
type PayloadHook = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done) => void

/** A registration, as the request side sees it (src/registration.ts): `decisions`, the diagnostics channel (§3.14). */
export interface Registration extends Owner {
  readonly routes: ServerRoutes
  readonly hook: CorsHook
  readonly answersPreflights: boolean
  readonly hookName: string
  readonly decisions: Channel
}

/** The body @fastify/cors sends for a malformed preflight under strictPreflight (docs/behaviour.md §3.7). */
export const INVALID_PREFLIGHT = 'Invalid Preflight Request'

/** True for an OPTIONS request that landed on the plugin's own `OPTIONS *` route. */
function onOwnOptionsRoute (registration: Registration, request: FastifyRequest): boolean {
  return request.raw.method === 'OPTIONS' && registration.routes.entryOf('OPTIONS', request.routeOptions)?.catchAll === true
}

/** The name the first registration's hooks carry in their source, which costs nothing per route. */
export const HOOK_NAME = 'fastifyCorsica'

/** The registration's name for a hook; the first keeps its source's: a name set at runtime costs ~300 bytes a route (benchmarks/README.md). */
function named<T extends object> (fn: T, name: string): T {
  return name === HOOK_NAME ? fn : Object.defineProperty(fn, 'name', { value: name })
}

/** A registration's hooks: preflights and its `OPTIONS *` route's requests in `onRequest`, actual requests in its `hook` (§4.3). */
export function buildHooks (registration: Registration): Array<[CorsHook, RequestHook | PayloadHook]> {
  const answers = registration.answersPreflights
  const name = registration.hookName
  const hooks: Array<[CorsHook, RequestHook | PayloadHook]> = []
  if (registration.hook === 'onRequest') {
    hooks.push(['onRequest', named(function fastifyCorsica (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      if (answers && isPreflight(request)) preflight(registration, request, reply, done)
      else actualRequest(registration, request, reply, undefined, done)
    }, name)])
  } else if (answers) {
    hooks.push(['onRequest', named(function fastifyCorsica (request: FastifyRequest, reply: FastifyReply, done: Done): void {
      if (isPreflight(request)) preflight(registration, request, reply, done)
      else if (onOwnOptionsRoute(registration, request)) actualRequest(registration, request, reply, undefined, done)
      else done()
    }, name)])
  }
  // A preflight this registration answers, or an OPTIONS its own route answers, was settled in
  // onRequest (the route's 400 is a string, which preSerialization never sees); later hooks leave it alone.
  const actual: PayloadHook = (request, reply, payload, done) => {
    if (answers && (isPreflight(request) || onOwnOptionsRoute(registration, request))) done(null, payload)
    else actualRequest(registration, request, reply, payload, done)
  }
  if (registration.hook === 'preValidation' || registration.hook === 'preHandler') {
    hooks.push([registration.hook, named(function fastifyCorsica (request: FastifyRequest, reply: FastifyReply, done: Done): void { actual(request, reply, undefined, done) }, name)])
  } else if (registration.hook !== 'onRequest') {
    hooks.push([registration.hook, named(function fastifyCorsica (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void { actual(request, reply, payload, done) }, name)])
  }
  // Replies sent before any registration's hook decided the request (an earlier hook's 401, an
  // error, a 404 in a scope of its own) get their route's headers on the way out (§3.13).
  if (registration.hook !== 'onSend') {
    hooks.push(['onSend', named(function fastifyCorsica (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done): void {
      if (decided(request) || isPreflight(request)) done(null, payload)
      else actualRequest(registration, request, reply, payload, done)
    }, name)])
  }
  return hooks
}

/** The `OPTIONS *` handler: preflights passed on by `preflightContinue` (headers set), OPTIONS that are not preflights (§3.7). */
export function buildOptionsHandler (registration: Registration): (request: FastifyRequest, reply: FastifyReply) => void {
  return function corsicaOptionsRoute (request: FastifyRequest, reply: FastifyReply): void {
    if (isPreflight(request)) {
      reply.header('content-length', '0').send()
      return
    }
    const current = registration.state.plugin
    if (current.perRequest === null) {
      notAPreflight(current, request, reply)
      return
    }
    // strictPreflight may come from the delegator: ask it for this request (a rare request).
    resolvePolicy(registration.instance, current, undefined, request, (error, policy) => {
      if (error !== null) reply.send(error)
      else notAPreflight(policy as Policy, request, reply)
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
  // 'text/plain', as @fastify/cors sends it (byte-identical headers, docs/behaviour.md §3.7).
  if (strict) reply.code(400).type('text/plain').send(INVALID_PREFLIGHT)
  else reply.callNotFound()
}
