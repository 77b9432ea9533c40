import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

const ADMIN = 'https://admin.example'

test('two prefixed scopes each apply their own policy to actual requests and preflights', async (t) => {
  const app = Fastify()
  await app.register(async (api) => {
    await api.register(corsPlugin, { origin: [PARTNER], methods: 'GET,PUT' })
    api.put('/items/:id', async () => 'api')
  }, { prefix: '/api' })
  await app.register(async (admin) => {
    await admin.register(corsPlugin, { origin: [ADMIN], methods: 'DELETE', credentials: true })
    admin.delete('/users/:id', async () => 'admin')
  }, { prefix: '/admin' })
  await app.ready()

  t.equal((await app.inject({ method: 'PUT', url: '/api/items/1', headers: { origin: PARTNER } })).headers['access-control-allow-origin'], PARTNER)
  t.equal((await app.inject({ method: 'PUT', url: '/api/items/1', headers: { origin: ADMIN } })).headers['access-control-allow-origin'], undefined)
  const adminRes = await app.inject({ method: 'DELETE', url: '/admin/users/1', headers: { origin: ADMIN } })
  t.same(corsHeaders(adminRes), { vary: 'Origin', 'access-control-allow-origin': ADMIN, 'access-control-allow-credentials': 'true' })

  const apiPre = await preflight(app, '/api/items/1', PARTNER, 'PUT')
  t.equal(apiPre.statusCode, 204)
  t.equal(apiPre.headers['access-control-allow-methods'], 'GET,PUT')
  t.equal((await preflight(app, '/api/items/1', ADMIN, 'PUT')).statusCode, 403)
  const adminPre = await preflight(app, '/admin/users/1', ADMIN, 'DELETE')
  t.equal(adminPre.statusCode, 204)
  t.equal(adminPre.headers['access-control-allow-methods'], 'DELETE')
  t.equal((await preflight(app, '/admin/users/1', PARTNER, 'DELETE')).statusCode, 403)
})

test('a registration nested in another owns its routes; the outer one keeps the rest', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [PARTNER] })
  app.get('/outer', async () => 'outer')
  await app.register(async (inner) => {
    await inner.register(corsPlugin, { origin: [ADMIN] })
    inner.get('/inner', async () => 'inner')
  }, { prefix: '/v2' })
  await app.ready()

  t.same(corsHeaders(await app.inject({ url: '/outer', headers: { origin: PARTNER } })), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
  t.same(corsHeaders(await app.inject({ url: '/v2/inner', headers: { origin: ADMIN } })), { vary: 'Origin', 'access-control-allow-origin': ADMIN })
  t.same(corsHeaders(await app.inject({ url: '/v2/inner', headers: { origin: PARTNER } })), { vary: 'Origin' })
  t.equal((await preflight(app, '/v2/inner', ADMIN, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/v2/inner', PARTNER, 'GET')).statusCode, 403)
  t.equal((await preflight(app, '/outer', PARTNER, 'GET')).statusCode, 204)
})

test('two registrations at the same prefix share one OPTIONS route without a conflict', async (t) => {
  const app = Fastify()
  await app.register(async (a) => {
    await a.register(corsPlugin, { origin: [PARTNER], methods: 'PUT' })
    a.put('/a', async () => 'a')
  })
  await app.register(async (b) => {
    await b.register(corsPlugin, { origin: [ADMIN], methods: 'PUT' })
    b.put('/b', async () => 'b')
  })
  await app.ready()
  t.equal((await preflight(app, '/a', PARTNER, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/b', ADMIN, 'PUT')).statusCode, 204, "b's route is judged by b's policy")
  t.equal((await preflight(app, '/b', PARTNER, 'PUT')).statusCode, 403)
})

test('routes outside the scope of a prefixed registration get no CORS headers', async (t) => {
  const app = Fastify()
  app.get('/public', async () => 'public')
  await app.register(async (api) => {
    await api.register(corsPlugin, { origin: [PARTNER] })
    api.get('/x', async () => 'x')
  }, { prefix: '/api' })
  await app.ready()
  t.same(corsHeaders(await app.inject({ url: '/public', headers: { origin: PARTNER } })), {})
  t.equal((await preflight(app, '/public', EVIL, 'GET')).statusCode, 404, 'no OPTIONS route outside the prefix')
})

test('a request on no route that two nested registrations both see is decided by the first one only', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [PARTNER], credentials: true })
  await app.register(async (inner) => {
    await inner.register(corsPlugin, { origin: [ADMIN] })
    inner.setNotFoundHandler(async (_request, reply) => reply.code(404).send('inner 404'))
  }, { prefix: '/v2' })
  await app.ready()
  const res = await app.inject({ url: '/v2/nothing', headers: { origin: PARTNER } })
  t.equal(res.body, 'inner 404')
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-allow-credentials': 'true' }, 'the outer registration decided; the inner one added nothing')
  const admin = await app.inject({ url: '/v2/nothing', headers: { origin: ADMIN } })
  t.same(corsHeaders(admin), { vary: 'Origin' })
})

test('two registrations in one scope: a route belongs to the later one; a preflight on no route is answered by the first only', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: ['https://a.example'] })
  await app.register(corsPlugin, { origin: ['https://b.example'] })
  app.get('/x', async () => 'x')
  await app.ready()
  const ask = async (url: string, origin: string): Promise<number> => (await app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'GET' } })).statusCode
  t.same([await ask('/x', 'https://a.example'), await ask('/x', 'https://b.example')], [403, 204], 'the route\'s owner decides')
  // A preflight on no route lands on the first registration's OPTIONS *: the first decides.
  const long = `/${'a'.repeat(200)}`
  t.same([await ask(long, 'https://a.example'), await ask(long, 'https://b.example')], [204, 403])
})

test('two registrations in one scope: a preflight on no route that the first passes on is not judged again by the second', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: ['https://a.example'], preflightContinue: true })
  await app.register(corsPlugin, { origin: ['https://b.example'] })
  app.get('/doc', { constraints: { version: '1.0.0' } }, async () => 'v1')
  await app.ready()
  // With Accept-Version (browsers never send it on a preflight) no unversioned route matches, not even OPTIONS *: a 404, where both hooks run.
  const res = await app.inject({ method: 'OPTIONS', url: '/other', headers: { origin: 'https://a.example', 'access-control-request-method': 'GET', 'accept-version': '1.0.0' } })
  t.equal(res.statusCode, 404, `passed on to Fastify's not-found handler: ${res.body}`)
  t.equal(res.headers['access-control-allow-origin'], 'https://a.example', 'with the first registration\'s answer only')
})
