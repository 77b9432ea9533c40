// Issue 27, part 1 (docs/behaviour.md §3.13): for an origin the route's policy allows, every
// response carries that policy's headers, whoever sent it; a denied origin gets none; preflights
// are unchanged. Over real HTTP.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import Fastify from './helpers/fastify.js'
import { corsOf, serve } from './helpers/http.js'
import corsPlugin from '../src/index.js'

const APP = 'https://app.example'
const EVIL = 'https://evil.example'
const ALLOWED = { vary: 'Origin', 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'X-Total' }
const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'] as const

/** An app with an authentication hook registered before the plugin, and the usual senders of early replies. */
async function build (hook: typeof HOOKS[number], options: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/private') && request.headers.authorization === undefined) return await reply.code(401).send({ error: 'log in' })
  })
  app.addHook('onRequest', async (request) => { if (request.url === '/hook-error') throw new Error('hook failed') })
  await app.register(corsPlugin, { origin: [APP], credentials: true, exposedHeaders: 'X-Total', hook, ...options })
  app.get('/private/profile', async () => ({ name: 'Ada' }))
  app.get('/hook-error', async () => 'never')
  app.get('/thrown', async () => { throw new Error('handler failed') })
  app.get('/text', async (_request, reply) => await reply.code(418).send('teapot'))
  app.get('/public', { config: { cors: { origin: '*', credentials: false } } }, async () => 'ok')
  app.get('/off', { config: { cors: false } }, async () => 'ok')
  app.register(async (scope) => {
    scope.setErrorHandler(async (error: Error, _request, reply) => await reply.code(409).send({ handled: error.message }))
    scope.get('/scoped-error', async () => { throw new Error('conflict') })
  })
  return app
}

for (const hook of HOOKS) {
  test(`hook ${hook}: replies sent before the plugin's hook, errors, error handlers and 404s carry the route's CORS headers`, async (t) => {
    const send = await serve(t, await build(hook))
    for (const [path, status] of [['/private/profile', 401], ['/hook-error', 500], ['/thrown', 500], ['/scoped-error', 409], ['/missing', 404], ['/text', 418]] as const) {
      const res = await send('GET', path, { origin: APP })
      t.equal(res.status, status, path)
      t.same(corsOf(res), ALLOWED, `${path}: the headers a page needs to read it`)
      const denied = await send('GET', path, { origin: EVIL })
      t.equal(denied.status, status)
      t.same(corsOf(denied), { vary: 'Origin' }, `${path}: a denied origin gets none`)
    }
    const authorised = await send('GET', '/private/profile', { origin: APP, authorization: 'Bearer x' })
    t.same([authorised.status, corsOf(authorised)], [200, ALLOWED])
  })
}

test("each route's own policy applies to the replies sent before the plugin's hook", async (t) => {
  const app = Fastify()
  app.addHook('onRequest', async (_request, reply) => await reply.code(401).send({ error: 'log in' }))
  await app.register(corsPlugin, { origin: [APP], credentials: true })
  app.get('/public', { config: { cors: { origin: '*', credentials: false } } }, async () => 'ok')
  app.get('/off', { config: { cors: false } }, async () => 'ok')
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/public', { origin: EVIL })), { 'access-control-allow-origin': '*' })
  t.same(corsOf(await send('GET', '/off', { origin: APP })), {})
  // Without Origin it is not a CORS request: only Vary, as on any reply.
  t.same(corsOf(await send('GET', '/missing')), { vary: 'Origin' })
})

test('a delegator decides replies sent before the plugin hook too, asynchronously', async (t) => {
  const app = Fastify()
  app.addHook('onRequest', async (_request, reply) => await reply.code(401).send({ error: 'log in' }))
  await app.register(corsPlugin, { delegator: async (request) => ({ origin: request.headers['x-tenant'] === 'a' ? APP : false }) })
  app.get('/x', async () => 'ok')
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/x', { origin: APP, 'x-tenant': 'a' })), { vary: 'Origin', 'access-control-allow-origin': APP })
  t.same(corsOf(await send('GET', '/x', { origin: APP, 'x-tenant': 'b' })), { vary: 'Origin' })
})

test('preflights are unchanged: an earlier hook that answers a preflight gets no CORS headers added', async (t) => {
  const app = Fastify()
  app.addHook('onRequest', async (request, reply) => { if (request.method === 'OPTIONS') return await reply.code(401).send('no') })
  await app.register(corsPlugin, { origin: [APP] })
  app.put('/x', async () => 'ok')
  const send = await serve(t, app)
  const res = await send('OPTIONS', '/x', { origin: APP, 'access-control-request-method': 'PUT' })
  t.same([res.status, corsOf(res)], [401, {}])
})

test('two registrations: a reply sent before either hook gets the headers of the registration owning the route, once', async (t) => {
  const app = Fastify()
  app.addHook('onRequest', async (_request, reply) => await reply.code(401).send({ error: 'log in' }))
  await app.register(corsPlugin, { origin: [APP], exposedHeaders: 'X-Outer' })
  await app.register(async (scope) => {
    await scope.register(corsPlugin, { origin: [EVIL], exposedHeaders: 'X-Inner' })
    scope.get('/inner', async () => 'ok')
  })
  app.get('/outer', async () => 'ok')
  const send = await serve(t, app)
  t.same(corsOf(await send('GET', '/inner', { origin: EVIL })), { vary: 'Origin', 'access-control-allow-origin': EVIL, 'access-control-expose-headers': 'X-Inner' })
  t.same(corsOf(await send('GET', '/outer', { origin: APP })), { vary: 'Origin', 'access-control-allow-origin': APP, 'access-control-expose-headers': 'X-Outer' })
  t.same(corsOf(await send('GET', '/missing', { origin: APP })), { vary: 'Origin', 'access-control-allow-origin': APP, 'access-control-expose-headers': 'X-Outer' })
})

test("Fastify's early errors (a malformed URL) carry the headers through the plugin's frameworkErrors; without it Fastify writes them before any hook", async (t) => {
  for (const withHelper of [true, false]) {
    const app = Fastify(withHelper ? { frameworkErrors: corsPlugin.frameworkErrors } : {})
    await app.register(corsPlugin, { origin: [APP], credentials: true, exposedHeaders: 'X-Total' })
    app.get('/items/:id', async () => 'ok')
    const send = await serve(t, app)
    for (const path of ['/items/%E0%A4%A', '/%E0%A4%A']) {
      const res = await send('GET', path, { origin: APP })
      t.equal(res.status, 400)
      t.equal(JSON.parse(res.body).code, 'FST_ERR_BAD_URL')
      t.same(corsOf(res), withHelper ? ALLOWED : {}, `${path} ${withHelper ? 'with' : 'without'} frameworkErrors`)
      if (withHelper) t.same(corsOf(await send('GET', path, { origin: EVIL })), { vary: 'Origin' })
    }
  }
})

test('frameworkErrors on a server without the plugin, or with a delegator that fails, still answers the error', async (t) => {
  const bare = Fastify({ frameworkErrors: corsPlugin.frameworkErrors })
  bare.get('/items/:id', async () => 'ok')
  const res = await (await serve(t, bare))('GET', '/items/%E0%A4%A', { origin: APP })
  t.same([res.status, corsOf(res)], [400, {}])
  const app = Fastify({ frameworkErrors: corsPlugin.frameworkErrors })
  await app.register(corsPlugin, { delegator: async () => { throw new Error('tenant store down') } })
  app.get('/items/:id', async () => 'ok')
  const failed = await (await serve(t, app))('GET', '/items/%E0%A4%A', { origin: APP })
  t.equal(failed.status, 500)
})

test('a request the plugin has decided is not decided again on the way out: user functions run once per request', async (t) => {
  let calls = 0
  const app = Fastify()
  await app.register(corsPlugin, { origin: (origin: string | undefined, cb: (error: Error | null, allow: boolean) => void) => { calls++; cb(null, origin === APP) } })
  app.get('/x', async () => 'ok')
  app.get('/thrown', async () => { throw new Error('handler failed') })
  const send = await serve(t, app)
  for (const path of ['/x', '/thrown', '/missing']) {
    calls = 0
    const res = await send('GET', path, { origin: APP })
    t.equal(res.headers['access-control-allow-origin'], APP)
    t.equal(calls, 1, path)
  }
})
