import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

test('default options allow any origin with ACAO * and no Vary', async (t) => {
  const app = await build()
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.same(corsHeaders(res), { 'access-control-allow-origin': '*' })
})

test("origin '*' sends ACAO * even without an Origin header (cacheable, as @fastify/cors)", async (t) => {
  const app = await build({ origin: '*' })
  const res = await app.inject({ url: '/items' })
  t.same(corsHeaders(res), { 'access-control-allow-origin': '*' })
})

test('an allowed origin from a list is reflected with credentials and exposed headers', async (t) => {
  const app = await build({ origin: [PARTNER, 'https://other.example'], credentials: true, exposedHeaders: ['X-Total-Count', 'ETag'] })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.same(corsHeaders(res), {
    vary: 'Origin',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Total-Count, ETag'
  })
})

test('a disallowed origin gets no CORS headers but the request is still served', async (t) => {
  const app = await build({ origin: [PARTNER], credentials: true, exposedHeaders: 'X-A' })
  const res = await app.inject({ url: '/items', headers: { origin: EVIL } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { items: [] })
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('a request without Origin gets Vary: Origin when the answer depends on the origin', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await app.inject({ url: '/items' })
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('a single fixed origin is sent as-is to every request, without Vary', async (t) => {
  const app = await build({ origin: 'https://Partner.example:443/' })
  for (const origin of [PARTNER, EVIL, undefined]) {
    const res = await app.inject({ url: '/items', headers: origin === undefined ? {} : { origin } })
    t.same(corsHeaders(res), { 'access-control-allow-origin': PARTNER }, `origin ${origin}`)
  }
})

test('origin: true reflects any origin, with credentials when tolerated', async (t) => {
  const app = await build({ origin: true, credentials: true, dangerouslyTolerateAnyOriginWithCredentials: true })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://anything.example:8443' } })
  t.same(corsHeaders(res), {
    vary: 'Origin',
    'access-control-allow-origin': 'https://anything.example:8443',
    'access-control-allow-credentials': 'true'
  })
})

test('origin: true does not reflect Origin: null (sandboxed iframes, file: pages)', async (t) => {
  const app = await build({ origin: true, credentials: true, dangerouslyTolerateAnyOriginWithCredentials: true })
  const res = await app.inject({ url: '/items', headers: { origin: 'null' } })
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test("Origin: null is allowed when 'null' is listed literally", async (t) => {
  const app = await build({ origin: ['null', PARTNER] })
  const res = await app.inject({ url: '/items', headers: { origin: 'null' } })
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': 'null' })
})

test('origin: false disables CORS: no headers, no Vary', async (t) => {
  const app = await build({ origin: false })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.same(corsHeaders(res), {})
})

test("'*' inside an array means any origin", async (t) => {
  const app = await build({ origin: [PARTNER, '*'] })
  const res = await app.inject({ url: '/items', headers: { origin: EVIL } })
  t.same(corsHeaders(res), { 'access-control-allow-origin': '*' })
})

test('a RegExp origin is tested against the request origin', async (t) => {
  const app = await build({ origin: /^https:\/\/[a-z]+\.partner\.example$/ })
  const ok = await app.inject({ url: '/items', headers: { origin: 'https://eu.partner.example' } })
  t.same(corsHeaders(ok), { vary: 'Origin', 'access-control-allow-origin': 'https://eu.partner.example' })
  const no = await app.inject({ url: '/items', headers: { origin: 'https://eu.partner.example.evil' } })
  t.same(corsHeaders(no), { vary: 'Origin' })
})

test('a RegExp with the g flag gives the same answer on every request', async (t) => {
  const app = await build({ origin: [/^https:\/\/partner\.example$/g] })
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.headers['access-control-allow-origin'], PARTNER, `request ${i}`)
  }
})

test('a RegExp with the y flag gives the same answer on every request', async (t) => {
  const app = await build({ origin: /^https:\/\/partner\.example$/y })
  for (let i = 0; i < 4; i++) {
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.headers['access-control-allow-origin'], PARTNER, `request ${i}`)
  }
})

test('nested arrays mixing strings, patterns and RegExps all match', async (t) => {
  const app = await build({ origin: [PARTNER, ['https://*.apps.example', [/^https:\/\/re\.example$/]]] })
  for (const origin of [PARTNER, 'https://a.apps.example', 'https://re.example']) {
    const res = await app.inject({ url: '/items', headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], origin, origin)
  }
  const res = await app.inject({ url: '/items', headers: { origin: 'https://apps.example' } })
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('configured origins are normalized: case, default port, trailing slash', async (t) => {
  const app = await build({ origin: ['HTTPS://Partner.Example:443/', 'http://LOCALHOST:80', 'http://127.0.0.1:3000/'] })
  for (const origin of [PARTNER, 'http://localhost', 'http://127.0.0.1:3000']) {
    const res = await app.inject({ url: '/items', headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], origin, origin)
  }
})

test('configured IDN origins are matched in punycode, as browsers send them', async (t) => {
  const app = await build({ origin: ['https://bücher.example'] })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://xn--bcher-kva.example' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://xn--bcher-kva.example')
})

test('Vary set before the plugin runs is appended to, never overwritten', async (t) => {
  const app = await build({ origin: [PARTNER], hook: 'preHandler' }, (app) => {
    app.addHook('onRequest', async (_req, reply) => { reply.header('vary', 'Accept-Encoding') })
  })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers.vary, 'Accept-Encoding, Origin')
})

test('Vary set on reply.raw before the plugin runs is appended to as well (actual request and preflight)', async (t) => {
  const app = await build({ origin: [PARTNER], hook: 'preHandler' }, (app) => {
    app.addHook('onRequest', async (_req, reply) => { reply.raw.setHeader('Vary', 'Accept-Encoding') })
  })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers.vary, 'Accept-Encoding, Origin')
  // A hook added before the plugin's runs before it: Vary is already set when the preflight is answered.
  const early = Fastify()
  early.addHook('onRequest', async (_req, reply) => { reply.raw.setHeader('Vary', 'Accept-Encoding') })
  await early.register(corsPlugin, { origin: [PARTNER], methods: ['PUT'] })
  early.put('/items/:id', async () => 'ok')
  const pre = await preflight(early, '/items/1', PARTNER, 'PUT', 'x-a')
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers.vary, 'Accept-Encoding, Origin, Access-Control-Request-Headers')
})

test('Vary already naming Origin is not repeated', async (t) => {
  const app = await build({ origin: [PARTNER], hook: 'preHandler' }, (app) => {
    app.addHook('onRequest', async (_req, reply) => { reply.header('vary', 'origin') })
  })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers.vary, 'origin')
})

test('CORS headers are present on 404 responses', async (t) => {
  const app = await build({ origin: [PARTNER], credentials: true })
  const res = await app.inject({ url: '/nope', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 404)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-allow-credentials': 'true' })
})

test('CORS headers are present on 400 validation errors', async (t) => {
  const app = await build({ origin: [PARTNER] }, (app) => {
    app.post('/strict', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => 'ok')
  })
  const res = await app.inject({ method: 'POST', url: '/strict', headers: { origin: PARTNER }, payload: {} })
  t.equal(res.statusCode, 400)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
})

test('CORS headers are present on 500 errors thrown by the handler', async (t) => {
  const app = await build({ origin: [PARTNER], exposedHeaders: 'X-Request-Id' }, (app) => {
    app.get('/boom', async () => { throw new Error('boom') })
  })
  const res = await app.inject({ url: '/boom', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-expose-headers': 'X-Request-Id' })
})

test('CORS headers are present when a later auth hook rejects with 401', async (t) => {
  const app = await build({ origin: [PARTNER], credentials: true }, (app) => {
    app.addHook('onRequest', async (_req, reply) => reply.code(401).send({ error: 'no token' }))
  })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 401)
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-allow-credentials': 'true' })
})

test("exposedHeaders: '*' is sent as-is without credentials", async (t) => {
  const app = await build({ exposedHeaders: '*' })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.same(corsHeaders(res), { 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' })
})
