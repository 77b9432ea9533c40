import { test } from 'tap'
import Fastify, { withRouterOptions } from './helpers/fastify.js'
import corsPlugin from '../src/index.js'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

const GLOBAL = 'https://app.example'

test('a route override replaces the global origins for actual requests', async (t) => {
  const app = await build({ origin: [GLOBAL], credentials: true }, (app) => {
    app.get('/partner', { config: { cors: { origin: [PARTNER], exposedHeaders: 'X-Partner' } } }, async () => 'p')
  })
  const res = await app.inject({ url: '/partner', headers: { origin: PARTNER } })
  t.same(corsHeaders(res), {
    vary: 'Origin',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Partner'
  })
  const global = await app.inject({ url: '/partner', headers: { origin: GLOBAL } })
  t.same(corsHeaders(global), { vary: 'Origin' }, 'the global origin is not allowed on the overridden route')
  const other = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.same(corsHeaders(other), { vary: 'Origin' }, 'other routes keep the global policy')
})

test('a preflight to an overridden route succeeds from the partner origin and is refused from the global-only one', async (t) => {
  const app = await build({ origin: [GLOBAL], methods: 'GET' }, (app) => {
    app.put('/partner/:id', { config: { cors: { origin: [PARTNER], methods: ['PUT'], allowedHeaders: 'X-Key' } } }, async () => 'p')
  })
  const ok = await preflight(app, '/partner/42', PARTNER, 'PUT', 'x-key')
  t.equal(ok.statusCode, 204)
  t.same(corsHeaders(ok), {
    vary: 'Origin',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-methods': 'PUT',
    'access-control-allow-headers': 'X-Key'
  })
  const refused = await preflight(app, '/partner/42', GLOBAL, 'PUT')
  t.equal(refused.statusCode, 403)
  t.same(corsHeaders(refused), { vary: 'Origin' })
})

test('a preflight to a cors: false route is refused 403 and the handler never runs', async (t) => {
  let deleted = 0
  const app = await build({ origin: [PARTNER], methods: 'GET,DELETE' }, (app) => {
    app.delete('/internal/:id', { config: { cors: false } }, async () => { deleted++; return 'gone' })
  })
  const res = await preflight(app, '/internal/7', PARTNER, 'DELETE')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: CORS is disabled for this route')
  t.same(corsHeaders(res), {})
  t.equal(deleted, 0)
})

test('an actual request to a cors: false route is served without any CORS headers', async (t) => {
  const app = await build({ origin: [PARTNER] }, (app) => {
    app.get('/internal', { config: { cors: false } }, async () => 'internal')
  })
  const res = await app.inject({ url: '/internal', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'internal')
  t.same(corsHeaders(res), {})
})

test('a preflight is judged by the route serving the requested method, not another method on the same path', async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'GET,PUT,DELETE' }, (app) => {
    app.get('/docs/:id', async () => 'doc')
    app.delete('/docs/:id', { config: { cors: false } }, async () => 'deleted')
  })
  t.equal((await preflight(app, '/docs/1', PARTNER, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/docs/1', PARTNER, 'DELETE')).statusCode, 403)
})

test('a preflight for a path no route serves falls back to the plugin policy', async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'GET,PUT' })
  const ok = await preflight(app, '/nowhere', PARTNER, 'PUT')
  t.equal(ok.statusCode, 204)
  t.equal(ok.headers['access-control-allow-methods'], 'GET,PUT')
  t.equal((await preflight(app, '/nowhere', EVIL, 'PUT')).statusCode, 403)
})

test('preflight resolution follows params, wildcards and query strings', async (t) => {
  const app = await build({ origin: [GLOBAL], methods: 'GET,PUT,PATCH' }, (app) => {
    app.put('/files/*', { config: { cors: { origin: [PARTNER] } } }, async () => 'f')
    app.patch('/users/:user/posts/:post', { config: { cors: { origin: [PARTNER] } } }, async () => 'u')
  })
  t.equal((await preflight(app, '/files/a/b/c.txt', PARTNER, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/users/1/posts/2?draft=1', PARTNER, 'PATCH')).statusCode, 204)
  t.equal((await preflight(app, '/users/1/posts/2', GLOBAL, 'PATCH')).statusCode, 403)
})

test('preflights for many URLs and methods keep answering by route', async (t) => {
  const app = await build({ origin: [GLOBAL], methods: 'GET,PUT' }, (app) => {
    app.put('/partner/:id', { config: { cors: { origin: [PARTNER], methods: ['PUT'] } } }, async () => 'p')
  })
  for (let i = 0; i < 20; i++) t.equal((await preflight(app, '/partner/1', PARTNER, `X-METHOD-${i}`)).statusCode, 403)
  let allowed = 0
  for (let i = 0; i < 1100; i++) if ((await preflight(app, `/partner/${i}`, PARTNER, 'PUT')).statusCode === 204) allowed++
  t.equal(allowed, 1100, 'more URLs than are remembered')
  const long = '/partner/1?q=' + 'x'.repeat(600)
  for (let i = 0; i < 2; i++) {
    t.equal((await preflight(app, long, PARTNER, 'PUT')).statusCode, 204, 'a long URL')
    t.equal((await preflight(app, long, GLOBAL, 'PUT')).statusCode, 403)
  }
  for (let i = 0; i < 2; i++) t.equal((await preflight(app, '/partner/1', PARTNER, 'X'.repeat(40))).statusCode, 403, 'a long method')
  t.equal((await preflight(app, '/partner/1', GLOBAL, 'PUT')).statusCode, 403, 'the route override still judges')
  t.equal((await preflight(app, '/other', GLOBAL, 'PUT')).statusCode, 204, 'the plugin policy judges paths without routes')
})

test('route options are merged over the plugin options once', async (t) => {
  const app = await build({ origin: [PARTNER], credentials: true, maxAge: 60, methods: 'GET' }, (app) => {
    app.put('/merge', { config: { cors: { maxAge: 5, methods: 'PUT', optionsSuccessStatus: 200, cacheControl: 10 } } }, async () => 'm')
  })
  const res = await preflight(app, '/merge', PARTNER, 'PUT')
  t.equal(res.statusCode, 200)
  t.same(corsHeaders(res), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': PARTNER,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'PUT',
    'access-control-max-age': '5',
    'cache-control': 'max-age=10'
  })
})

test('a route may use preflightContinue to answer its own preflights', async (t) => {
  const app = await build({ origin: [PARTNER] }, (app) => {
    app.put('/custom', { config: { cors: { preflightContinue: true, methods: 'PUT' } } }, async () => 'c')
    app.options('/custom', async (_req, reply) => reply.code(200).send('custom preflight'))
  })
  const res = await preflight(app, '/custom', PARTNER, 'PUT')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'custom preflight')
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
})

test('an invalid route config fails at ready() naming the route and each option', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: '*' })
  let error: (Error & { code?: string }) | undefined
  try {
    app.put('/items/:id', { config: { cors: { credentials: true, maxAge: -1, orgin: 'x' } as never } }, async () => 'x')
    await app.ready()
  } catch (err) {
    error = err as Error
  }
  t.equal(error?.code, 'FST_CORS_INVALID_ROUTE_OPTIONS')
  t.match(error?.message, /3 problems in config\.cors of route PUT \/items\/:id/)
  t.match(error?.message, /orgin: is not an option; did you mean 'origin'\?/)
  t.match(error?.message, /maxAge: expected a whole number/)
  t.match(error?.message, /origin: '\*' cannot be used with credentials \(browsers reject that pair\), and credentials is true/)
})

test('plugin-only options are refused in a route config', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin)
  app.get('/x', { config: { cors: { hook: 'onSend' } as never } }, async () => 'x')
  await t.rejects(async () => { await app.ready() }, /hook: is not an option/)
})

test('a route config that is not an object or false is refused', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin)
  app.get('/x', { config: { cors: true as never } }, async () => 'x')
  await t.rejects(async () => { await app.ready() }, /\(options\): expected an options object, got true/)
})

test('a route config warning is logged once with the route', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => { lines.push(JSON.parse(l).msg) } } } })
  await app.register(corsPlugin)
  app.get('/x', { config: { cors: { maxAge: 10000 } } }, async () => 'x')
  await app.ready()
  t.equal(lines.length, 1)
  t.match(lines[0], /^fastify-corsica: route GET \/x: maxAge: 10000 seconds is above/)
})

test("methods: 'auto' allows exactly the methods routed on the path", async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'auto' }, (app) => {
    app.get('/auto/:id', async () => 'g')
    app.patch('/auto/:id', async () => 'p')
    app.route({ method: ['DELETE', 'PUT'], url: '/auto/:id', handler: async () => 'd' })
  })
  const res = await preflight(app, '/auto/1', PARTNER, 'PATCH')
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, PATCH, DELETE, PUT')
  const again = await preflight(app, '/auto/2', PARTNER, 'GET')
  t.equal(again.headers['access-control-allow-methods'], 'GET, HEAD, PATCH, DELETE, PUT')
})

test("methods: 'auto' answers the same when the origin is decided per request", async (t) => {
  const app = await build({ origin: async () => [PARTNER], methods: 'auto' }, (app) => {
    app.get('/auto/:id', async () => 'g')
    app.patch('/auto/:id', async () => 'p')
  })
  const res = await preflight(app, '/auto/1', PARTNER, 'PATCH')
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, PATCH')
  const refused = await preflight(app, '/auto/1', PARTNER, 'PUT')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS preflight refused: method not allowed')
})

test("methods: 'auto' on a path without routes allows only the safelisted methods", async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'auto' })
  const put = await preflight(app, '/nothing', PARTNER, 'PUT')
  t.equal(put.statusCode, 403)
  t.equal(put.body, 'CORS preflight refused: method not allowed')
  const get = await preflight(app, '/nothing', PARTNER, 'GET', 'x-a')
  t.equal(get.statusCode, 204)
  t.equal(get.headers['access-control-allow-methods'], undefined)
})

test("methods: 'auto' works as a route override", async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'GET' }, (app) => {
    app.put('/r', { config: { cors: { methods: 'auto' } } }, async () => 'r')
    app.post('/r', async () => 'r')
  })
  const res = await preflight(app, '/r', PARTNER, 'PUT')
  t.equal(res.headers['access-control-allow-methods'], 'PUT, POST')
})

test("methods: 'auto' with credentials is accepted", async (t) => {
  const app = await build({ origin: [PARTNER], methods: 'auto', credentials: true })
  const res = await preflight(app, '/items/1', PARTNER, 'PUT')
  t.equal(res.headers['access-control-allow-methods'], 'PUT, DELETE')
})

test("a user's OPTIONS catch-all declared after the plugin fails with a clear error", async (t) => {
  for (const url of ['*', '/*']) {
    const app = Fastify()
    await app.register(corsPlugin)
    t.throws(() => app.options(url, async () => 'mine'), {
      code: 'FST_CORS_OPTIONS_ROUTE_CONFLICT',
      message: /answers preflights on OPTIONS \/?\*, and another OPTIONS route was declared there; declare your catch-all without OPTIONS/
    }, url)
  }
})

test("a user's all('*') catch-all fails with the same clear error", async (t) => {
  const app = Fastify()
  await app.register(corsPlugin)
  t.throws(() => app.all('*', async () => 'mine'), { code: 'FST_CORS_OPTIONS_ROUTE_CONFLICT' })
})

test("a user's OPTIONS catch-all declared before the plugin fails registration with a clear error", async (t) => {
  const app = Fastify()
  app.options('*', async () => 'mine')
  app.register(corsPlugin)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_OPTIONS_ROUTE_CONFLICT' })
})

test("a user's catch-all without OPTIONS coexists with the plugin", async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: [PARTNER] })
  app.route({ method: ['GET', 'POST'], url: '*', handler: async () => 'fallback' })
  await app.ready()
  const res = await app.inject({ url: '/anything', headers: { origin: PARTNER } })
  t.equal(res.body, 'fallback')
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
  t.equal((await preflight(app, '/anything', PARTNER, 'POST')).statusCode, 204)
})

test('with preflight: false a user may own OPTIONS *', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { preflight: false })
  app.options('*', async () => 'mine')
  await app.ready()
  const res = await preflight(app, '/x', PARTNER, 'GET')
  t.equal(res.body, 'mine')
})

test('preflight resolution follows the app router settings (trailing slash, case)', async (t) => {
  const app = Fastify(withRouterOptions({ ignoreTrailingSlash: true, caseSensitive: false }))
  await app.register(corsPlugin, { origin: [GLOBAL] })
  app.put('/Docs/:id', { config: { cors: { origin: [PARTNER], methods: 'PUT' } } }, async () => 'd')
  await app.ready()
  t.equal((await preflight(app, '/docs/1/', PARTNER, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/DOCS/1', GLOBAL, 'PUT')).statusCode, 403)
})

test('routes with equal route options share one compiled policy, and each still gets its warnings', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => { lines.push(JSON.parse(l).msg) } } } })
  await app.register(corsPlugin, { origin: [GLOBAL], methods: 'GET,PUT' })
  const options = (): Record<string, unknown> => ({ origin: [PARTNER, /^https:\/\/x\.example$/], maxAge: 10000 })
  app.put('/a', { config: { cors: options() } }, async () => 'a')
  app.put('/b', { config: { cors: options() } }, async () => 'b')
  // Not written out: an origin function, and an object that is not a plain one.
  app.put('/c', { config: { cors: { origin: async () => [PARTNER] } } }, async () => 'c')
  app.put('/d', { config: { cors: Object.assign(Object.create(null), { origin: [PARTNER] }) } }, async () => 'd')
  await app.ready()
  t.same(lines.filter((line) => line.includes('maxAge')).map((line) => line.split(':')[1].trim()), ['route PUT /a', 'route PUT /b'])
  for (const path of ['/a', '/b', '/c', '/d']) {
    t.equal((await preflight(app, path, PARTNER, 'PUT')).statusCode, 204, path)
    t.equal((await preflight(app, path, GLOBAL, 'PUT')).statusCode, 403, path)
  }
  t.equal((await preflight(app, '/a', 'https://x.example', 'PUT')).statusCode, 204, 'the RegExp is part of what is compared')
})

test('an invalid config.cors on a route with several methods names them all', async (t) => {
  const app = Fastify()
  await app.register(corsPlugin, { origin: ['https://a.example'] })
  app.route({ method: ['GET', 'POST'], url: '/both', config: { cors: { maxAge: -1 } }, handler: async () => 'both' })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_CORS_INVALID_ROUTE_OPTIONS', message: /config\.cors of route GET,POST \/both/ })
})
