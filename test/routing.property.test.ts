// Differential, property-based: generated apps (router settings top-level, in routerOptions or
// mixed; prefixes and '/' routes; params, regex params (several on one pattern, several in one
// segment), wildcards with and without a slash, optional params, multi-param segments; routes
// with two methods, prefixTrailingSlash, OPTIONS routes of the app's own; host
// constraints; nested and sibling scopes with and without a registration; route configs;
// delegators; host constraints given as RegExps with the g or y flag; an onRoute hook added after
// the plugin that changes routes' config or constraints; hundreds of versioned routes) and
// generated requests, sent through inject and, in a second run, over real HTTP/2 (the host in
// :authority, no Host header). Each case sends the preflight, then the actual request
// a browser would send after it, and checks it against a model of each route's policy:
// a preflight that passes is never more permissive than the route Fastify really serves
// (docs/behaviour.md §3.8), and, where a preflight can tell the route (no version constraint,
// no two patterns differing only by a RegExp), a preflight that the route allows passes; the
// known limits of §5.5 (a route outside every scope on a pattern of one inside, or of a lower
// version than another; Fastify's 414 answer to the versioned lookup) are excused exactly, as is
// a preflight answered by an OPTIONS route outside every scope (the plugin never sees it).
// Request values include percent-escapes.
import { test } from 'tap'
import fc from 'fast-check'
import http2 from 'node:http2'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance, type FastifyRequest, type FastifyServerOptions, type RouteOptions } from 'fastify'
import corsPlugin from '../src/index.js'

// The generated apps make the plugin warn hundreds of times (routes in scopes without it): the
// warnings are collected, and checked below, instead of flooding stderr.
const warningCodes = new Set<string | undefined>()
process.removeAllListeners('warning')
process.on('warning', (warning: Error & { code?: string }) => { warningCodes.add(warning.code) })

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'
const OTHER = 'https://other.example'
const SAFELISTED = new Set(['GET', 'HEAD', 'POST'])
const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'POST'] as const
type Method = typeof METHODS[number]

interface Options { origin: string[] | true | '*', methods: string | string[] }
type RouteCors = undefined | false | Partial<Options>
interface RegistrationSpec { options: Options, delegator: boolean }
interface RouteSpec { method: Method | 'OPTIONS', also: Method | null, trailing: 'both' | 'slash' | 'no-slash', path: string, admin: boolean, version: string | null, cors: RouteCors }
/** Whether the route serves `method` (its method, or the second of its method list). */
const serves = (route: RouteSpec, method: string): boolean => route.method === method || route.also === method
interface ScopeSpec { prefix: string, registration: RegistrationSpec | null, routes: RouteSpec[], children: ScopeSpec[] }
interface Settings { ignoreTrailingSlash: boolean, ignoreDuplicateSlashes: boolean, caseSensitive: boolean, useSemicolonDelimiter: boolean, maxParamLength: number }
/** How host constraints are written: a string, or a RegExp with a flag the router drops. */
type HostForm = 'string' | 'global' | 'sticky'
/** An onRoute hook added after the root registration: none, one that disables '/edit' routes (changing config), one that replaces the config of two paths, one that moves '/files/*' routes to the admin host. */
type LateHook = 'none' | 'disable' | 'replace' | 'constrain'
interface AppSpec { settings: Settings, placement: 'top' | 'routerOptions' | 'mixed', root: ScopeSpec, hostForm: HostForm, lateHook: LateHook, manyVersions: boolean }

const PATHS = ['/', '/items', '/items/:id', '/items/:id(^\\d+$)', '/items/new', '/:kind/:id', '/files/*', '/a/:x-:y', '/Docs/:id', '/items/:id/edit', '/opt/:id?', '/api*', '/a/:x(^\\d+)-:y(^[a-z]+$)', '/items/:id(^[A-Z]+$)']
const ROUTE_CORS: RouteCors[] = [undefined, undefined, false, { origin: [PARTNER] }, { methods: ['PUT'] }, { origin: [APP], methods: ['DELETE', 'PATCH'] }, { methods: 'auto' }]
const OPTIONS: Options[] = [
  { origin: [APP], methods: 'GET,PUT' },
  { origin: [APP, PARTNER], methods: ['GET', 'PUT', 'DELETE', 'PATCH'] },
  { origin: true, methods: 'auto' },
  { origin: '*', methods: ['PUT', 'DELETE'] }
]

/** The delegator a registration may have: partner-only on the admin host, a method list elsewhere. */
function delegated (host: string | undefined): Partial<Options> {
  return host === 'admin.test' ? { origin: [PARTNER] } : { methods: ['GET', 'DELETE'] }
}

/** `arbitrary` once in `1 + none` draws, else null. */
function sometimes<T> (arbitrary: fc.Arbitrary<T>, none: number): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: none }, { arbitrary, weight: 1 })
}

const routeArb: fc.Arbitrary<RouteSpec> = fc.record({
  method: fc.oneof({ arbitrary: fc.constantFrom(...METHODS.filter((method) => method !== 'POST')), weight: 8 }, { arbitrary: fc.constant('OPTIONS' as const), weight: 1 }),
  also: sometimes(fc.constantFrom('GET', 'PUT', 'DELETE'), 5),
  trailing: fc.constantFrom('both', 'both', 'slash', 'no-slash'),
  path: fc.constantFrom(...PATHS),
  admin: sometimes(fc.constant(true), 4).map((admin) => admin === true),
  version: sometimes(fc.constantFrom('1.0.0', '2.0.0'), 6),
  cors: fc.constantFrom(...ROUTE_CORS)
// An OPTIONS catch-all where the plugin has its own is refused at startup (a test of its own).
}).filter((route) => !(route.method === 'OPTIONS' && route.path.endsWith('*')))
const registrationSpecArb = fc.record({ options: fc.constantFrom(...OPTIONS), delegator: sometimes(fc.constant(true), 2).map((delegator) => delegator === true) })
const registrationArb: fc.Arbitrary<RegistrationSpec | null> = sometimes(registrationSpecArb, 1)
const scopeArb = (depth: number): fc.Arbitrary<ScopeSpec> => fc.record({
  prefix: fc.constantFrom('', '/api', '/users', '/v1'),
  registration: registrationArb,
  routes: fc.array(routeArb, { maxLength: 4 }),
  children: depth === 0 ? fc.constant([]) : fc.array(scopeArb(depth - 1), { maxLength: 2 })
})
const appArb: fc.Arbitrary<AppSpec> = fc.record({
  settings: fc.record({
    ignoreTrailingSlash: fc.boolean(),
    ignoreDuplicateSlashes: fc.boolean(),
    caseSensitive: fc.boolean(),
    useSemicolonDelimiter: fc.boolean(),
    maxParamLength: fc.constantFrom(100, 12)
  }),
  placement: fc.constantFrom('top', 'routerOptions', 'mixed'),
  hostForm: fc.constantFrom('string', 'global', 'sticky'),
  lateHook: fc.constantFrom('none', 'none', 'disable', 'replace', 'constrain'),
  manyVersions: sometimes(fc.constant(true), 3).map((many) => many === true),
  root: fc.record({
    prefix: fc.constant(''),
    registration: fc.oneof({ arbitrary: registrationSpecArb, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }),
    routes: fc.array(routeArb, { maxLength: 8 }),
    children: fc.array(scopeArb(1), { maxLength: 3 })
  })
})

/** A request aimed at one of the routes (its method and host unless told otherwise), its path changed by a mutation. */
interface RequestSpec { route: number, value: string, mutation: string, method: Method | null, host: string | null, version: string | null, origin: string }
const requestArb: fc.Arbitrary<RequestSpec> = fc.record({
  route: fc.nat(40),
  value: fc.constantFrom('5', '5', 'abc', 'new', '1-2', 'x/y', 'ZZ', '%35', 'a%2Fb', '%E2%84%AA', 'AB', '1-ab', '%41'),
  mutation: fc.constantFrom('none', 'none', 'none', 'trailing', 'double', 'upper', 'semicolon', 'query', 'long', 'junk'),
  method: sometimes(fc.constantFrom(...METHODS), 3),
  host: sometimes(fc.constantFrom('api.test', 'admin.test'), 3),
  version: sometimes(fc.constantFrom('1.x', '2.0.0', '*'), 3),
  origin: fc.constantFrom(APP, PARTNER, OTHER)
})

function serverOptions (spec: AppSpec): FastifyServerOptions {
  const { maxParamLength, ...rest } = spec.settings
  if (spec.placement === 'top') return { ...rest, maxParamLength }
  if (spec.placement === 'routerOptions') return { routerOptions: { ...rest, maxParamLength } }
  // Mixed: trailing and duplicate slashes at the top level, the rest in routerOptions.
  const { ignoreTrailingSlash, ignoreDuplicateSlashes, ...nested } = rest
  return { ignoreTrailingSlash, ignoreDuplicateSlashes, routerOptions: { ...nested, maxParamLength } }
}

/** A route as declared, with what the model needs to know about it. */
interface DeclaredRoute extends RouteSpec {
  readonly id: number
  /** The URL Fastify reports for the route (prefix included; a '/' route in a prefix is the prefix). */
  readonly url: string
  /** The innermost registration whose scope holds the route, or null: then it gets no CORS at all. */
  readonly owner: RegistrationSpec | null
}

/**
 * Builds the app. A route Fastify refuses (a duplicate under these settings) would stop a real
 * app from starting, so the app is built again without it, until every route is accepted.
 */
async function buildApp (spec: AppSpec, http2: boolean): Promise<{ app: FastifyInstance, routes: DeclaredRoute[] }> {
  const refused = new Set<RouteSpec>()
  for (;;) {
    const before = refused.size
    const built = await buildOnce(spec, refused, http2)
    if (refused.size === before) return built
    await built.app.close()
  }
}

const HOSTS: Record<HostForm, string | RegExp> = { string: 'admin.test', global: /^admin\.test$/g, sticky: /admin\./y }

/** What the late onRoute hook makes of a route (the model applies the same to the route's spec). */
function lateChange (hook: LateHook, route: RouteSpec): RouteSpec {
  if (hook === 'disable' && route.path.endsWith('/edit')) return { ...route, cors: false }
  if (hook === 'replace' && route.path === '/items/new') return { ...route, cors: false }
  if (hook === 'replace' && route.path === '/Docs/:id') return { ...route, cors: undefined }
  if (hook === 'constrain' && route.path === '/files/*') return { ...route, admin: true }
  return route
}

async function buildOnce (spec: AppSpec, refused: Set<RouteSpec>, http2: boolean): Promise<{ app: FastifyInstance, routes: DeclaredRoute[] }> {
  const app = Fastify({ ...serverOptions(spec), ...(http2 ? { http2: true } : {}) } as FastifyServerOptions)
  // The spec each route was declared from, to apply the late hook's change to the real options.
  const specOf = new Map<string, RouteSpec>()
  const lateHook = (route: RouteOptions): void => {
    const declared = specOf.get(String((route.config as { id?: unknown } | undefined)?.id))
    if (declared === undefined) return
    const changed = lateChange(spec.lateHook, declared)
    if (changed === declared) return
    // 'replace' assigns a new config object (dropping what the plugin put there); the others copy it.
    if (spec.lateHook === 'replace') route.config = (changed.cors === undefined ? {} : { cors: changed.cors }) as never
    else if (spec.lateHook === 'disable') route.config = { ...route.config, cors: false } as never
    else route.constraints = { ...route.constraints, host: HOSTS[spec.hostForm] }
  }
  const routes: DeclaredRoute[] = []
  const declare = async (instance: FastifyInstance, scope: ScopeSpec, prefix: string, owner: RegistrationSpec | null): Promise<void> => {
    let current = owner
    if (scope.registration !== null) {
      const { options, delegator } = scope.registration
      await instance.register(corsPlugin, delegator
        ? { ...options, delegator: async (request: FastifyRequest) => delegated(request.host) }
        : options)
      current = scope.registration
    }
    if (scope === spec.root && spec.lateHook !== 'none') instance.addHook('onRoute', lateHook)
    for (const route of scope.routes) {
      if (refused.has(route)) continue
      const id = routes.length
      const config = route.cors === undefined ? { id } : { id, cors: route.cors }
      specOf.set(String(id), route)
      try {
        instance.route({
          method: route.also === null || route.also === route.method ? route.method : [route.method, route.also],
          url: route.path,
          prefixTrailingSlash: route.trailing,
          constraints: { ...(route.admin ? { host: HOSTS[spec.hostForm] } : {}), ...(route.version === null ? {} : { version: route.version }) },
          config: config as never,
          handler: async () => ({ id })
        })
      } catch {
        refused.add(route)
        continue
      }
      const url = route.path === '/' && prefix !== '' ? (route.trailing === 'slash' ? `${prefix}/` : prefix) : `${prefix}${route.path}`
      routes.push({ ...lateChange(spec.lateHook, route), id, url, owner: current })
    }
    // Hundreds of constraint values (find-my-way holds at most 31 constrained routes per path).
    if (spec.manyVersions && scope === spec.root) {
      for (let i = 0; i < 150; i++) instance.put(`/many${i}/:id`, { constraints: { version: `${i}.0.0` } }, async () => ({ id: -1 }))
    }
    for (const child of scope.children) {
      await instance.register(async (inner) => { await declare(inner, child, `${prefix}${child.prefix}`, current) }, { prefix: child.prefix })
    }
  }
  await declare(app, spec.root, '', null)
  await app.ready()
  return { app, routes }
}

/** Does the route's policy, as the options say, allow this origin and method for a request to this host? */
function routeAllows (route: DeclaredRoute, routes: readonly DeclaredRoute[], origin: string, method: string, host: string): { origin: boolean, method: boolean } {
  if (route.owner === null || route.cors === false) return { origin: false, method: false }
  const options: Options = { ...route.owner.options, ...(route.owner.delegator ? delegated(host) : {}), ...route.cors } as Options
  const originOk = options.origin === true || options.origin === '*' || options.origin.includes(origin)
  let methodOk = SAFELISTED.has(method)
  if (options.methods === 'auto') methodOk ||= routes.some((other) => other.url === route.url && serves(other, method))
  else methodOk ||= (typeof options.methods === 'string' ? options.methods.split(',') : options.methods).includes(method)
  return { origin: originOk, method: methodOk }
}

/** A route's URL without its parameter RegExps: what routes differing only by a RegExp share. */
const spelling = (route: DeclaredRoute): string => route.url.replace(/\([^)]*\)/g, '')

/**
 * Routes of one method a preflight cannot tell apart (the plugin then judges by the strictest):
 * a version constraint (a preflight cannot carry Accept-Version), or two patterns that differ
 * only by a parameter RegExp (whatever their host constraints: the router tries the patterns in
 * an order of its own, docs/behaviour.md §5.2).
 */
function ambiguous (routes: readonly DeclaredRoute[], method: string): boolean {
  if (routes.some((route) => serves(route, method) && route.version !== null)) return true
  const shapes = routes.filter((route) => serves(route, method)).map(spelling)
  return new Set(shapes).size !== shapes.length
}

/**
 * The known limits of docs/behaviour.md §5.5: a route outside every registration's scope on the
 * pattern of one inside (the same static segments and parameter names, differing only by a
 * constraint or a parameter RegExp) cannot be told apart from it by what `findRoute` returns, and
 * a lower version of a versioned route outside is not found.
 */
function indistinguishable (route: DeclaredRoute, routes: readonly DeclaredRoute[], method: string): boolean {
  if (route.owner !== null) return false
  // Or a lower version of a versioned route outside (version '*' finds the highest only).
  const higher = (other: DeclaredRoute): boolean => route.version !== null && other.version !== null && other.version > route.version
  return routes.some((other) => serves(other, method) && spelling(other) === spelling(route) && (other.owner !== null || higher(other)))
}

/**
 * docs/behaviour.md §5.5: in an app with versioned routes, the lookup with version '*' that finds no
 * route because a path segment is longer than maxParamLength gets Fastify's 414 answer, which the
 * plugin cannot tell from a route outside its scope: the preflight is refused.
 */
function answered414 (spec: AppSpec, routes: readonly DeclaredRoute[], url: string, body: string): boolean {
  const path = url.split(spec.settings.useSemicolonDelimiter ? /[?;]/ : /\?/)[0]
  return body.includes('outside') && (spec.manyVersions || routes.some((route) => route.version !== null)) &&
    path.split('/').some((segment) => decodeURIComponent(segment).length > spec.settings.maxParamLength)
}

/** A preflight answered by an OPTIONS route of the app outside every registration's scope: the plugin never sees it. */
function onOutsideOptionsRoute (routes: readonly DeclaredRoute[], body: string): boolean {
  const id = /^\{"id":(\d+)\}$/.exec(body)?.[1]
  return id !== undefined && routes[Number(id)].method === 'OPTIONS' && routes[Number(id)].owner === null
}

function requestPath (routes: readonly DeclaredRoute[], request: RequestSpec): string {
  if (request.mutation === 'junk' || routes.length === 0) return `/nowhere/${request.value}`
  const route = routes[request.route % routes.length]
  let path = route.url.replace(/:x-:y/, '1-2').replace(/:[a-z]+(\(.*?\$\))?/gi, request.value).replace('*', `a/${request.value}`).replace(/\?$/, '')
  switch (request.mutation) {
    case 'trailing': path = path.endsWith('/') ? path.slice(0, -1) || '/' : `${path}/`; break
    case 'double': path = path.replace(/\//g, '//'); break
    case 'upper': path = path.toUpperCase(); break
    case 'semicolon': path = `${path};jsessionid=1`; break
    case 'query': path = `${path}?next=/items/1`; break
    case 'long': path = `${path}/${'z'.repeat(40)}`; break
  }
  return path
}

interface Sent { statusCode: number, headers: Record<string, string | string[] | number | undefined>, body: string }
type Send = (method: string, url: string, host: string, headers: Record<string, string>) => Promise<Sent>

/** Sends requests to the app: through inject (HTTP/1.1, Host), or over a real HTTP/2 connection (:authority, no Host). */
async function transport (app: FastifyInstance, http2Session: boolean): Promise<{ send: Send, close: () => Promise<void> }> {
  if (!http2Session) {
    return {
      send: async (method, url, host, headers) => { const res = await app.inject({ method: method as 'GET', url, headers: { ...headers, host } }); return { statusCode: res.statusCode, headers: res.headers, body: res.body } },
      close: async () => { await app.close() }
    }
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  const session = http2.connect(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`)
  const send: Send = async (method, url, host, headers) => await new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': url, ':authority': host, ...headers })
    let body = ''
    let head: Record<string, string | string[] | undefined> = {}
    stream.setEncoding('utf8')
    stream.on('response', (received) => { head = received as typeof head })
    stream.on('data', (chunk: string) => { body += chunk })
    stream.on('end', () => resolve({ statusCode: Number(head[':status']), headers: head, body }))
    stream.on('error', reject)
    stream.end()
  })
  return { send, close: async () => { session.close(); await app.close() } }
}

/**
 * Generates apps and requests and checks each preflight against the route Fastify then serves
 * the actual request with; returns the counts, for the caller to check the generator's reach.
 */
async function checkGeneratedApps (options: { http2: boolean, seed: number, numRuns: number }): Promise<{ cases: number, passed: number, reached: number, statuses: Record<number, number> }> {
  let cases = 0
  let passed = 0
  let reached = 0
  const statuses: Record<number, number> = {}
  await fc.assert(fc.asyncProperty(appArb, fc.array(requestArb, { minLength: 20, maxLength: 20 }), async (spec, requests) => {
    const { app, routes } = await buildApp(spec, options.http2)
    const { send, close } = await transport(app, options.http2)
    const appSpec = spec
    try {
      for (const spec of requests) {
        cases++
        const aimed = routes.length === 0 ? undefined : routes[spec.route % routes.length]
        const request = {
          origin: spec.origin,
          method: spec.method ?? (aimed?.method === 'OPTIONS' ? aimed.also : aimed?.method) ?? 'PUT',
          host: spec.host ?? (aimed?.admin === true ? 'admin.test' : 'api.test')
        }
        const url = requestPath(routes, spec)
        const headers = { origin: request.origin }
        const pre = await send('OPTIONS', url, request.host, { ...headers, 'access-control-request-method': request.method })
        const acao = pre.headers['access-control-allow-origin']
        const acam = String(pre.headers['access-control-allow-methods'] ?? '').split(',').map((name) => name.trim())
        const preflightPassed = pre.statusCode >= 200 && pre.statusCode < 300 && (acao === request.origin || acao === '*') &&
          (SAFELISTED.has(request.method) || acam.includes(request.method) || acam.includes('*'))
        if (preflightPassed) passed++
        // The actual request may ask for a version; its preflight cannot say so (browsers list it in ACRH only).
        const version = spec.version ?? aimed?.version ?? null
        const actual = await send(request.method, url, request.host, version === null ? headers : { ...headers, 'accept-version': version })
        statuses[actual.statusCode] = (statuses[actual.statusCode] ?? 0) + 1
        if (actual.statusCode !== 200) continue
        const { id } = JSON.parse(actual.body) as { id: number }
        if (id === -1) continue
        reached++
        const route = routes[id]
        const allows = routeAllows(route, routes, request.origin, request.method, request.host)
        const where = `${request.method} ${url} (host ${request.host}, origin ${request.origin}) served by route ${route.method} ${route.url}${route.admin ? ' [admin host]' : ''}${route.version === null ? '' : ` [version ${route.version}]`} cors=${JSON.stringify(route.cors)}; preflight ${pre.statusCode} ${pre.body}`
        if (preflightPassed && !(allows.origin && allows.method) && !indistinguishable(route, routes, request.method)) throw new Error(`preflight passed but the route refuses it: ${where}`)
        if (!preflightPassed && allows.origin && allows.method && !ambiguous(routes, request.method) && !answered414(appSpec, routes, url, pre.body) && !onOutsideOptionsRoute(routes, pre.body)) throw new Error(`preflight refused but the route allows it: ${where}`)
        // The actual request itself carries the route's answer for the origin.
        const gotAcao = actual.headers['access-control-allow-origin'] !== undefined
        if (gotAcao !== allows.origin) throw new Error(`actual request ${gotAcao ? 'allowed' : 'refused'} but the route says ${allows.origin}: ${where}`)
      }
    } finally {
      await close()
    }
  }), { seed: options.seed, numRuns: options.numRuns })
  return { cases, passed, reached, statuses }
}

for (const { http2, seed, numRuns, minimum } of [
  { http2: false, seed: 20261130, numRuns: 1000, minimum: 20000 },
  { http2: true, seed: 20261205, numRuns: 300, minimum: 6000 }
]) {
  test(`a preflight is never more permissive than the route Fastify serves the actual request with (fast-check, seeded; ${http2 ? 'HTTP/2 over a real connection' : 'inject'})`, async (t) => {
    const { cases, passed, reached, statuses } = await checkGeneratedApps({ http2, seed, numRuns })
    t.comment(JSON.stringify(statuses))
    t.comment(`${cases} cases, ${passed} preflights passed, ${reached} actual requests reached a route`)
    t.ok(cases >= minimum, `${cases} cases`)
    // The generator reaches both outcomes often enough to mean something.
    t.ok(passed > cases / 10, `${passed} preflights passed`)
    t.ok(reached > cases / 5, `${reached} actual requests reached a route`)
    // (Fastify's own deprecation warnings for top-level router settings, FSTDEP..., are not ours.)
    t.same([...warningCodes].filter((code) => code?.startsWith('FST_CORS') === true), [], 'the plugin has nothing to warn about')
  })
}
