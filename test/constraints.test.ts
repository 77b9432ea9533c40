// Routes a preflight cannot tell apart: version and custom constraints (docs/behaviour.md §5.4).
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { routesOf } from '../src/routing/registry.js'
import { servedRoutes } from '../src/routing/served.js'
import { corsHeaders, PARTNER, preflight } from './helpers/app.js'
import { corsOf, serve } from './helpers/http.js'

const APP = 'https://app.example'

test('versioned routes: a preflight is refused when any version of the route refuses it', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  app.put('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
  app.put('/doc', { constraints: { version: '2.0.0' }, config: { cors: false } }, async () => 'v2')
  await app.ready()
  const res = await preflight(app, '/doc', APP, 'PUT')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: CORS is disabled for this route')
  t.same(corsHeaders(res), {})
  // Both versions are really served: the preflight cannot say which one the PUT will ask for.
  t.equal((await app.inject({ method: 'PUT', url: '/doc', headers: { 'accept-version': '1.x' } })).body, 'v1')
  t.equal((await app.inject({ method: 'PUT', url: '/doc', headers: { 'accept-version': '2.x' } })).body, 'v2')
})

test('versioned routes that all accept a preflight are answered with only what every one of them allows', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP, PARTNER], credentials: true, methods: 'GET,PUT,DELETE', allowedHeaders: 'X-A, X-B', maxAge: 600, cacheControl: 60 })
  app.put('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
  app.put('/doc', { constraints: { version: '2.0.0' }, config: { cors: { credentials: false, methods: 'PUT', allowedHeaders: 'X-A', maxAge: 30, cacheControl: 'no-store' } } }, async () => 'v2')
  app.put('/doc', async () => 'unversioned')
  await app.ready()
  const res = await preflight(app, '/doc', APP, 'PUT', 'x-a')
  t.equal(res.statusCode, 204)
  t.same(corsHeaders(res), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': APP,
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'x-a',
    'access-control-max-age': '30'
  }, 'no credentials, the requested method and headers only, the shorter max-age, no Cache-Control')
  t.equal((await preflight(app, '/doc', APP, 'PUT', 'x-b')).statusCode, 403, 'a header one version does not allow')
})

test('versioned routes: Vary names what each combined answer depended on', async (t) => {
  for (const [options, vary] of [
    [{ origin: '*', methods: 'GET,PUT' }, 'Access-Control-Request-Headers'],
    [{ origin: [APP], methods: 'GET,PUT', allowedHeaders: 'X-A' }, 'Origin']
  ] as Array<[{ origin: '*' | string[], methods: string, allowedHeaders?: string }, string]>) {
    const app = Fastify()
    await app.register(corsPlugin, options)
    app.put('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
    // Its own config.cors (the plugin's values): two policies, combined.
    app.put('/doc', { constraints: { version: '2.0.0' }, config: { cors: { methods: options.methods } } }, async () => 'v2')
    await app.ready()
    const res = await preflight(app, '/doc', APP, 'PUT', 'x-a')
    t.equal(res.statusCode, 204)
    t.equal(res.headers.vary, vary, JSON.stringify(options))
    t.equal(res.headers['access-control-allow-headers'], options.origin === '*' ? 'x-a' : 'X-A')
  }
})

test('versioned routes with the same answer keep it whole', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: '*', methods: 'GET,PUT', maxAge: 600, allowedHeaders: 'X-A' })
  app.put('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
  // Its own config.cors with the plugin's values: two policies whose combination is either one.
  app.put('/doc', { constraints: { version: '2.0.0' }, config: { cors: { maxAge: 600 } } }, async () => 'v2')
  await app.ready()
  const res = await preflight(app, '/doc', APP, 'PUT')
  t.equal(res.statusCode, 204)
  t.same(corsHeaders(res), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,PUT',
    'access-control-allow-headers': 'X-A',
    'access-control-max-age': '600'
  })
})

test('an origin function failing for one of several candidate routes is a 500', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  app.put('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
  app.put('/doc', { constraints: { version: '2.0.0' }, config: { cors: { origin: async () => { throw new Error('store down') } } } }, async () => 'v2')
  await app.ready()
  const res = await preflight(app, '/doc', APP, 'PUT')
  t.equal(res.statusCode, 500)
  t.equal(res.json().message, 'store down')
})

test('a versioned route declared before the plugin loaded fails startup, naming it', async (t) => {
  const app = Fastify()
  app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  app.put('/doc', { constraints: { version: '1.0.0' }, config: { cors: false } }, async () => 'early')
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_ROUTES_DECLARED_BEFORE_PLUGIN', message: /PUT \/doc \{"version":"1\.0\.0"\}: was declared before fastify-corsica loaded/ })
})

test('a custom constraint: a preflight is refused when any constrained route refuses it', async (t) => {
  const app = Fastify()
  app.addConstraintStrategy({
    name: 'tenant',
    storage () {
      const values = new Map<unknown, unknown>()
      return { get: (value: unknown) => values.get(value) ?? null, set: (value: unknown, store: unknown) => { values.set(value, store) } }
    },
    deriveConstraint: (request: { headers: Record<string, string | undefined> }) => request.headers['x-tenant'],
    mustMatchWhenDerived: false
  } as never)
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  app.put('/t', { constraints: { tenant: 'a' } as never }, async () => 'a')
  app.put('/t', { constraints: { tenant: 'b' } as never, config: { cors: false } }, async () => 'b')
  app.put('/u', { constraints: { tenant: 'a' } as never }, async () => 'a')
  await app.ready()
  t.equal((await preflight(app, '/t', APP, 'PUT')).statusCode, 403)
  t.equal((await preflight(app, '/u', APP, 'PUT')).statusCode, 204)
  t.equal((await app.inject({ method: 'PUT', url: '/t', headers: { 'x-tenant': 'b' } })).body, 'b')
})

test('many constraint values: a preflight is judged by the routes that may serve it, never refused for their number', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,PUT' })
  for (let i = 0; i < 300; i++) app.put(`/v${i}`, { constraints: { version: `${i}.0.0` } }, async () => 'v')
  app.put('/plain', async () => 'plain')
  app.put('/off', { constraints: { version: '7.0.0' }, config: { cors: false } }, async () => 'off')
  await app.ready()
  t.equal((await preflight(app, '/v1', APP, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/plain', APP, 'PUT')).statusCode, 204, 'an unconstrained route of the same method')
  t.equal((await preflight(app, '/off', APP, 'PUT')).statusCode, 403)
  t.equal((await preflight(app, '/v1', APP, 'GET')).statusCode, 204, 'other methods are not affected')
})

test('an empty Host header matches no host-constrained route', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  app.delete('/x', { constraints: { host: 'admin.local' }, config: { cors: false } }, async () => 'admin')
  app.delete('/x', { constraints: { host: /^api\./ } }, async () => 'api')
  const send = await serve(t, app)
  const none = await send('OPTIONS', '/x', { origin: APP, 'access-control-request-method': 'DELETE', host: '' })
  t.equal(none.status, 204, 'no route serves it: the plugin policy')
  const api = await send('OPTIONS', '/x', { origin: APP, 'access-control-request-method': 'DELETE', host: 'api.local' })
  t.equal(api.status, 204, 'a RegExp host constraint')
  t.same(corsOf(api), { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': APP, 'access-control-allow-methods': 'GET,DELETE' })
  t.equal((await send('OPTIONS', '/x', { origin: APP, 'access-control-request-method': 'DELETE', host: 'admin.local' })).status, 403)
})

test('served routes: a path the router cannot read is unreadable, no route is none, no Host matches no host constraint', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP] })
  app.get('/a/:id', async () => 'a')
  app.get('/h', { constraints: { host: 'admin.local' } }, async () => 'admin')
  app.get('/h', async () => 'any')
  app.get('/v', { constraints: { version: '1.0.0' } }, async () => 'v1')
  await app.ready()
  t.same(servedRoutes(app, routesOf(app), 'GET', '/a/%E0%A4%A', 'localhost'), { kind: 'unreadable' })
  t.same(servedRoutes(app, routesOf(app), 'PATCH', '/a/1', undefined), { kind: 'none' })
  // Without a Host header (HTTP/1.0), host-constrained routes are not candidates.
  const served = servedRoutes(app, routesOf(app), 'GET', '/h', undefined)
  t.equal(served.kind, 'routes')
  t.same(served.kind === 'routes' && served.records.map((record) => record.host), [undefined])
  const versioned = servedRoutes(app, routesOf(app), 'GET', '/v', undefined)
  t.same(versioned.kind === 'routes' && versioned.records.length, 1, 'a versioned route, without a Host header')
})

test('a preflight with a Host header too long to remember is still judged by its route', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [APP], methods: 'GET,DELETE' })
  app.delete('/x', { config: { cors: false } }, async () => 'x')
  await app.ready()
  const host = `${'a'.repeat(300)}.example`
  for (let i = 0; i < 2; i++) {
    const res = await app.inject({ method: 'OPTIONS', url: '/x', headers: { host, origin: APP, 'access-control-request-method': 'DELETE' } })
    t.equal(res.statusCode, 403)
  }
})
