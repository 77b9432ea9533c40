import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import { preflightVaryOf, routePolicy, type Policy, type RoutePolicy, type StaticRule } from '../config/compiled.js'
import { allowOriginFor } from '../config/origin.js'
import { reflectableHeaderList, SAFELISTED_METHODS } from '../config/tokens.js'
import type { Owner, RouteEntry, RouteRecord } from '../routing/route-table.js'
import { servedRoutes } from '../routing/served.js'
import { explain, explainOrigin, explaining, publish, REFUSED_DISABLED, REFUSED_HEADER, REFUSED_METHOD, REFUSED_ORIGIN, REFUSED_OUTSIDE, REFUSED_UNREADABLE } from './explain.js'
import type { Done, Registration } from './hooks.js'
import { resolvePolicy, staticRule } from './resolve.js'
import { addVary } from './vary.js'

/** docs/behaviour.md §3.1: a preflight is OPTIONS + Origin + Access-Control-Request-Method; nothing else is. */
export function isPreflight (request: FastifyRequest): boolean {
  const headers = request.headers
  return request.raw.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
}

/** A route a preflight may be for (null: no route serves the path; its registration decides), with its policy read when the preflight started (§8.3). */
interface Candidate { readonly record: RouteRecord | null, readonly route: RoutePolicy }

/** The policy of a route a preflight may be for: its owner's for its `config.cors`, or the plugin policy of `registration` when no route serves the path. */
function routeOf (registration: Registration, record: RouteRecord | null): RoutePolicy {
  return record === null ? registration.state.unrouted : routePolicy(record.entry.owner.state, record.cors)
}

/**
 * A preflight, judged in `onRequest` (§3.6) by the registration owning the route it landed on (on
 * none, the first whose hook takes it), by the route Fastify would serve the requested method
 * with, under that route's owner (§3.8, §5), or by this registration's policy when none would.
 */
export function preflight (registration: Registration, request: FastifyRequest, reply: FastifyReply, done: Done): void {
  const routes = registration.routes
  // With one registration on the server every preflight is its own; else the route it landed on says whose.
  const landed = routes.registrations === 1 ? null : routes.entryOf('OPTIONS', request.routeOptions)
  if (landed !== null && !routes.decides(registration, request, landed)) {
    done()
    return
  }
  const headers = request.headers
  const method = headers['access-control-request-method'] as string
  // The host as the router reads it: Host, else HTTP/2's :authority (find-my-way's host strategy).
  const served = servedRoutes(registration.instance, routes, method, request.url, headers.host || headers[':authority'] as string | undefined)
  if (served.kind === 'outside' || served.kind === 'unreadable') {
    const outside = served.kind === 'outside'
    if (explaining(request)) {
      explain(request, 'route', `the preflight for ${method} ${request.url}: ${outside ? 'Fastify serves it with a route outside the scope of every fastify-corsica registration (it gets no CORS headers)' : 'its path cannot be read'}`,
        outside ? 'register the plugin in a scope that holds the route if cross-origin calls are intended' : 'browsers send a path (origin-form); this request did not come from one')
    }
    if (registration.decisions.hasSubscribers) publish(registration.decisions, request, 'preflight', null, null, outside ? REFUSED_OUTSIDE : REFUSED_UNREADABLE)
    refuse(reply, outside ? REFUSED_OUTSIDE : REFUSED_UNREADABLE, null)
    return
  }
  const records = served.kind === 'none' ? NO_ROUTE : served.records
  // One route under static options (the common case): the verdict is known now.
  if (records.length === 1) {
    const route = routeOf(registration, records[0])
    const rule = staticRule(route.policy)
    if (rule !== null) {
      finish(registration, request, reply, done, judge(route.policy, rule, request, records[0], registration), landed)
      return
    }
  }
  // Else each route in turn, user functions awaited: the first refusal ends it, else what all of them allow (§5.4).
  const candidates: Candidate[] = records.map((record) => ({ record, route: routeOf(registration, record) }))
  const accepted: Acceptance[] = []
  const next = (index: number): void => {
    if (index === candidates.length) {
      finish(registration, request, reply, done, accepted.length === 1 ? accepted[0] : combine(accepted, method), landed)
      return
    }
    const { record, route } = candidates[index]
    const rule = staticRule(route.policy)
    const judged = (error: Error | null, policy?: Policy, resolvedRule?: StaticRule): void => {
      if (error !== null) return done(error)
      const verdict = judge(policy as Policy, resolvedRule as StaticRule, request, record, registration)
      if (verdict.refused !== null) finish(registration, request, reply, done, verdict, landed)
      else {
        accepted.push(verdict)
        next(index + 1)
      }
    }
    // What its owner decides per request is resolved first (§6).
    if (rule !== null) judged(null, route.policy, rule)
    else resolvePolicy((record?.entry.owner ?? registration).instance, route.policy, route.cors, request, judged)
  }
  next(0)
}

/** The candidates when no route serves the path: the plugin policy of the registration judging it. */
const NO_ROUTE: readonly null[] = [null]

/** The methods Fastify serves on this request's path (for an explanation only: one router lookup per method). */
function methodsRoutedOn (owner: Owner, request: FastifyRequest): string {
  return ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((method) => owner.instance.findRoute({ method: method as HTTPMethods, url: request.url }) !== null).join(', ')
}

/** How one route's policy answers a preflight: refused with a reason, or accepted. */
export type Verdict = Refusal | Acceptance

/** Which route and policy gave a verdict (for the decisions published, §3.14). */
interface Judged { readonly url: string | null, readonly policy: Policy }

/** A refusal's reason, and the Vary still sent with it when the answer depended on the request. */
interface Refusal extends Judged { readonly refused: string, readonly vary: string | null }

/** What an accepted preflight's answer reads: a policy, or the most restrictive of several. */
type Answer = Pick<Policy, 'credentials' | 'allowHeaders' | 'preflightVary' | 'maxAge' | 'cacheControl' | 'preflightContinue' | 'successStatus'>

interface Acceptance extends Judged { readonly refused: null, readonly answer: Answer, readonly allowOrigin: string, readonly allowMethods: string }

/** Judges a preflight for `record` (null: none, `registration` decides) under `policy`: origin, method, then headers (§3.5, §3.6). */
function judge (policy: Policy, rule: StaticRule, request: FastifyRequest, record: RouteRecord | null, registration: Registration): Verdict {
  const url = record === null ? null : record.url
  // Access-Control-Allow-Methods: the policy's list, or under 'auto' the methods routed on the path.
  const allowMethods = policy.allowMethods ?? (record === null ? '' : record.autoMethods)
  const headers = request.headers
  const allowOrigin = allowOriginFor(rule, headers.origin, true)
  if (allowOrigin === null) {
    explainOrigin(request, policy, true)
    return { refused: policy.enabled ? REFUSED_ORIGIN : REFUSED_DISABLED, vary: policy.varyOrigin ? 'Origin' : null, url, policy }
  }
  const method = headers['access-control-request-method'] as string
  if (!acceptsMethod(policy, allowMethods, method)) {
    if (explaining(request)) explainMethod(request, policy, method, policy.allowMethods === null && record === null ? methodsRoutedOn(registration, request) : allowMethods)
    return { refused: REFUSED_METHOD, vary: policy.preflightVary, url, policy }
  }
  const requested = headers['access-control-request-headers']
  const refusedHeader = requested === undefined ? null : refusedHeaderOf(policy, requested)
  if (refusedHeader !== null) {
    if (explaining(request)) explain(request, 'header', `the preflight for ${method} ${request.url} from ${headers.origin}: request header '${refusedHeader}' is not in allowedHeaders (${policy.allowHeaders})`, `add '${refusedHeader}' to allowedHeaders if it should be allowed`)
    return { refused: REFUSED_HEADER, vary: policy.preflightVary, url, policy }
  }
  return { refused: null, answer: policy, allowOrigin, allowMethods, url, policy }
}

/** Why the requested method was refused, and the fix: under `methods: 'auto'` a route, not an option. */
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
  // A list with '*' passes any method ('*' with credentials is refused at registration); 'auto' the routed ones.
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
 * One answer when several routes may serve the preflight and all accept it: only what every one
 * allows (§5.4). Credentials if all allow them, a list if all agree (else the requested method,
 * the requested headers reflected), the shortest max-age, Cache-Control if all agree.
 */
function combine (accepted: readonly Acceptance[], requestedMethod: string): Acceptance {
  const answers = accepted.map((verdict) => verdict.answer)
  const [first] = answers
  const same = <K extends keyof Answer>(key: K): boolean => answers.every((answer) => answer[key] === first[key])
  const reflect = !same('allowHeaders') || first.allowHeaders === null
  const varyOrigin = answers.some((answer) => answer.preflightVary?.startsWith('Origin') === true)
  const maxAges = answers.map((answer) => answer.maxAge)
  const combined: Answer = {
    credentials: answers.every((answer) => answer.credentials),
    allowHeaders: reflect ? null : first.allowHeaders,
    preflightVary: preflightVaryOf(varyOrigin, reflect),
    maxAge: maxAges.includes(null) ? null : String(Math.min(...maxAges.map(Number))),
    cacheControl: same('cacheControl') ? first.cacheControl : null,
    preflightContinue: answers.every((answer) => answer.preflightContinue),
    successStatus: first.successStatus
  }
  const allowMethods = accepted.every((verdict) => verdict.allowMethods === accepted[0].allowMethods) ? accepted[0].allowMethods : requestedMethod
  const specific = accepted.find((verdict) => verdict.allowOrigin !== '*')
  return { refused: null, answer: combined, allowOrigin: specific === undefined ? '*' : specific.allowOrigin, allowMethods, url: accepted[0].url, policy: accepted[0].policy }
}

/** docs/behaviour.md §3.6: 403, no CORS headers, a short plain-text reason; nothing after this runs. */
function refuse (reply: FastifyReply, reason: string, vary: string | null): void {
  if (vary !== null) addVary(reply, vary)
  reply.code(403).type('text/plain; charset=utf-8').send(reason)
}

/** Sends the verdict: a 403, or the headers and the empty answer, or with `preflightContinue` the headers only (`OPTIONS *` answers it). */
function finish (registration: Registration, request: FastifyRequest, reply: FastifyReply, done: Done, verdict: Verdict, landed: RouteEntry | undefined | null): void {
  if (registration.decisions.hasSubscribers) publish(registration.decisions, request, 'preflight', verdict.url, verdict.policy, verdict.refused)
  if (verdict.refused !== null) {
    refuse(reply, verdict.refused, verdict.vary)
    return
  }
  const { answer } = verdict
  if (answer.preflightVary !== null) addVary(reply, answer.preflightVary)
  reply.header('access-control-allow-origin', verdict.allowOrigin)
  if (answer.credentials) reply.header('access-control-allow-credentials', 'true')
  if (verdict.allowMethods !== '') reply.header('access-control-allow-methods', verdict.allowMethods)
  const requested = request.headers['access-control-request-headers']
  if (answer.allowHeaders !== null) {
    reply.header('access-control-allow-headers', answer.allowHeaders)
  } else if (requested !== undefined) {
    // Reflected only when it is a token list: junk is never echoed back (docs/behaviour.md §3.5, §3.11).
    const reflected = reflectableHeaderList(requested)
    if (reflected !== null && reflected !== '') reply.header('access-control-allow-headers', reflected)
  }
  if (answer.maxAge !== null) reply.header('access-control-max-age', answer.maxAge)
  if (answer.cacheControl !== null) reply.header('cache-control', answer.cacheControl)
  if (!answer.preflightContinue) {
    // Safari waits for a body on a 204 without Content-Length, so say 0 explicitly.
    reply.code(answer.successStatus).header('content-length', '0').send()
    return
  }
  // The route it landed on, read now if it was not (null): only a preflight passed on needs it.
  if ((landed === null ? registration.routes.entryOf('OPTIONS', request.routeOptions) : landed)?.catchAll === true) reply.code(answer.successStatus)
  done()
}
