// The six ways a preflight used to pass for a route that refuses it, each over real HTTP:
// the preflight, then the actual request a browser would send after it.
import { test } from 'tap'
import Fastify, { hasRouterOptions } from './helpers/fastify.js'
import { type FastifyServerOptions } from 'fastify'
import corsPlugin from '../src/index.js'
import { corsOf, serve } from './helpers/http.js'

const APP = 'https://app.example'
const PARTNER = 'https://partner.example'
const OTHER = 'https://other.example'

const preflightHeaders = (origin: string, method: string, extra: Record<string, string> = {}): Record<string, string> =>
  ({ origin, 'access-control-request-method': method, ...extra })

test('a cors: false route declared as "/" inside a prefixed plugin refuses its preflight at /users and /users/', async (t) => {
  let deleted = 0
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  await app.register(async (users) => {
    users.delete('/', { config: { cors: false } }, async () => { deleted++; return 'deleted' })
  }, { prefix: '/users' })
  const send = await serve(t, app)
  for (const path of ['/users', '/users/']) {
    const pre = await send('OPTIONS', path, preflightHeaders(APP, 'DELETE'))
    t.equal(pre.status, 403, path)
    t.equal(pre.body, 'CORS preflight refused: CORS is disabled for this route', path)
    t.same(corsOf(pre), {}, path)
    // The route is really served at both paths, so a successful preflight would have let the DELETE through.
    t.equal((await send('DELETE', path)).status, 200, path)
  }
  t.equal(deleted, 2)
})

test('a partner-only PUT declared as "/" inside a prefixed plugin refuses the app origin at /api/ and allows the partner', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP, PARTNER], methods: 'GET,PUT' })
  await app.register(async (api) => {
    api.put('/', { config: { cors: { origin: [PARTNER] } } }, async () => 'put')
  }, { prefix: '/api' })
  const send = await serve(t, app)
  for (const path of ['/api', '/api/']) {
    const refused = await send('OPTIONS', path, preflightHeaders(APP, 'PUT'))
    t.equal(refused.status, 403, path)
    t.same(corsOf(refused), { vary: 'Origin' }, path)
    const allowed = await send('OPTIONS', path, preflightHeaders(PARTNER, 'PUT'))
    t.equal(allowed.status, 204, path)
    t.same(corsOf(allowed), {
      vary: 'Origin, Access-Control-Request-Headers',
      'access-control-allow-origin': PARTNER,
      'access-control-allow-methods': 'GET,PUT'
    }, path)
  }
})

for (const order of ['public first', 'admin first']) {
  test(`host constraints: the admin-host cors: false DELETE refuses its preflight, the public one allows it (${order})`, async (t) => {
    const ran: string[] = []
    const app = Fastify()
    await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
    const publicRoute = (): unknown => app.delete('/x', async () => { ran.push('public'); return 'public' })
    const adminRoute = (): unknown => app.delete('/x', { constraints: { host: 'admin.local' }, config: { cors: false } }, async () => { ran.push('admin'); return 'admin' })
    if (order === 'public first') { publicRoute(); adminRoute() } else { adminRoute(); publicRoute() }
    const send = await serve(t, app)

    const admin = await send('OPTIONS', '/x', preflightHeaders(APP, 'DELETE', { host: 'admin.local' }))
    t.equal(admin.status, 403)
    t.equal(admin.body, 'CORS preflight refused: CORS is disabled for this route')
    t.same(corsOf(admin), {})
    const pub = await send('OPTIONS', '/x', preflightHeaders(APP, 'DELETE', { host: 'api.local' }))
    t.equal(pub.status, 204)
    t.same(corsOf(pub), {
      vary: 'Origin, Access-Control-Request-Headers',
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET,DELETE'
    })
    // Which handler each Host reaches, to show the preflights were judged by those routes.
    await send('DELETE', '/x', { host: 'admin.local', origin: APP })
    await send('DELETE', '/x', { host: 'api.local', origin: APP })
    t.same(ran, ['admin', 'public'])
  })
}

// useSemicolonDelimiter is honoured by Fastify 5 but missing from the types of routerOptions.
const ROUTER_SETTINGS: Array<[string, FastifyServerOptions]> = [
  ['top-level ignoreTrailingSlash next to routerOptions', { ignoreTrailingSlash: true, routerOptions: { maxParamLength: 500 } }],
  ['everything in routerOptions', { routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, useSemicolonDelimiter: true, maxParamLength: 500 } as never }],
  ['mixed: top-level ignoreDuplicateSlashes, routerOptions for the rest', { ignoreDuplicateSlashes: true, routerOptions: { ignoreTrailingSlash: true, useSemicolonDelimiter: true, maxParamLength: 500 } as never }],
  ['everything at the top level', { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, useSemicolonDelimiter: true } as never]
]

for (const [name, settings] of ROUTER_SETTINGS) {
  test(`router settings (${name}): no preflight passes for a cors: false route the actual request reaches`, { skip: !hasRouterOptions && 'routerOptions' in settings && 'Fastify before 5.5 has no routerOptions' }, async (t) => {
    const app = Fastify(settings)
    await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
    app.delete('/internal', { config: { cors: false } }, async () => 'internal')
    app.delete('/internal/:id', { config: { cors: false } }, async () => 'internal item')
    const send = await serve(t, app)
    for (const path of ['/internal/1/', '//internal//1', '/internal;x=y', `/internal/${'a'.repeat(300)}`, '/INTERNAL/1', '/internal/1?x=/']) {
      const pre = await send('OPTIONS', path, preflightHeaders(APP, 'DELETE'))
      const actual = await send('DELETE', path, { origin: APP })
      if (actual.status === 200) {
        t.equal(pre.status, 403, `${path}: the DELETE reaches the route, so its preflight is refused`)
        t.same(corsOf(pre), {}, path)
      } else {
        t.equal(actual.status === 404 || actual.status === 414, true, `${path}: not served (${actual.status})`)
      }
    }
    // Each path above that these settings route to the cors: false routes was refused.
    const reached = await send('DELETE', '//internal//1')
    t.equal(reached.status, settings.ignoreDuplicateSlashes === true || (settings.routerOptions as { ignoreDuplicateSlashes?: boolean } | undefined)?.ignoreDuplicateSlashes === true ? 200 : 404)
  })
}

test('two sibling registrations at one prefix: each judges the preflights of its own routes, delegator included', async (t) => {
  const app = Fastify()
  await app.register(async (a) => {
    await a.register(corsPlugin, { origin: true, methods: 'GET,PUT' })
    a.put('/a', async () => 'a')
  })
  await app.register(async (b) => {
    await b.register(corsPlugin, {
      origin: [APP],
      delegator: async (request) => request.headers['x-tenant'] === 'partner' || request.headers.origin === PARTNER
        ? { origin: [PARTNER], methods: ['PUT'] }
        : { origin: [APP], methods: ['GET'] }
    })
    b.put('/b', async () => 'b')
  })
  const send = await serve(t, app)
  // B's delegator allows the partner with PUT, though the preflight lands on A's OPTIONS route.
  const partner = await send('OPTIONS', '/b', preflightHeaders(PARTNER, 'PUT'))
  t.equal(partner.status, 204)
  t.same(corsOf(partner), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-methods': 'PUT'
  })
  // A's origin: true is not applied to B's route.
  const other = await send('OPTIONS', '/b', preflightHeaders(OTHER, 'PUT'))
  t.equal(other.status, 403)
  t.same(corsOf(other), { vary: 'Origin' })
  // A's own route keeps A's policy.
  const a = await send('OPTIONS', '/a', preflightHeaders(OTHER, 'PUT'))
  t.equal(a.status, 204)
  t.equal(a.headers['access-control-allow-origin'], OTHER)
})

for (const hook of ['onSend', 'preSerialization'] as const) {
  test(`hook ${hook}: a preflight for a cors: false DELETE is refused before the user's OPTIONS handler runs`, async (t) => {
    let ownOptions = 0
    let deleted = 0
    const app = Fastify()
    await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE', hook })
    app.delete('/d', { config: { cors: false } }, async () => { deleted++; return 'gone' })
    app.options('/d', async () => { ownOptions++; return { own: true } })
    const send = await serve(t, app)
    const pre = await send('OPTIONS', '/d', preflightHeaders(APP, 'DELETE'))
    t.equal(pre.status, 403)
    t.equal(pre.body, 'CORS preflight refused: CORS is disabled for this route')
    t.same(corsOf(pre), {})
    t.equal(ownOptions, 0)
    t.equal(deleted, 0)
    // An OPTIONS that is not a preflight still reaches the user's handler.
    const plain = await send('OPTIONS', '/d')
    t.equal(plain.body, '{"own":true}')
    t.equal(ownOptions, 1)
  })
}
