// Issue 19: changing a registration's options at runtime (docs/behaviour.md §8).
import http from 'node:http'
import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import corsPlugin, { type CorsHandle } from '../src/index.js'
import { corsHeaders, emitted, EVIL, PARTNER, preflight } from './helpers/app.js'

const A = 'https://a.example'
const B = 'https://b.example'
const { createCorsHandle } = corsPlugin

async function appWith (handle: CorsHandle, options: Record<string, unknown>): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(corsPlugin, { ...options, handle })
  app.get('/items', async () => ({ items: [] }))
  app.put('/items', async () => ({ ok: true }))
  app.put('/partner', { config: { cors: { origin: [PARTNER] } } }, async () => 'p')
  app.put('/narrow', { config: { cors: { maxAge: 5 } } }, async () => 'n')
  app.delete('/off', { config: { cors: false } }, async () => 'off')
  await app.ready()
  return app
}

test('a reconfiguration replaces the policy: actual requests and preflights follow the new options', async (t) => {
  const cors = createCorsHandle()
  const app = await appWith(cors, { origin: [A], methods: 'GET,PUT' })
  t.equal((await app.inject({ url: '/items', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  cors.reconfigure({ origin: [B], methods: ['GET', 'PUT'], exposedHeaders: 'X-Total', credentials: true, allowedHeaders: 'Content-Type' })
  t.same(corsHeaders(await app.inject({ url: '/items', headers: { origin: A } })), { vary: 'Origin' })
  t.same(corsHeaders(await app.inject({ url: '/items', headers: { origin: B } })), {
    vary: 'Origin', 'access-control-allow-origin': B, 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'X-Total'
  })
  const pre = await preflight(app, '/items', B, 'PUT')
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-methods'], 'GET, PUT')
  t.equal((await preflight(app, '/items', A, 'PUT')).statusCode, 403)
})

test('route overrides and cors: false routes keep their meaning after a swap, layered on the new options', async (t) => {
  const cors = createCorsHandle()
  const app = await appWith(cors, { origin: [A], methods: 'GET,PUT' })
  cors.reconfigure({ origin: [B], methods: 'GET,PUT,DELETE', maxAge: 60 })
  const partner = await preflight(app, '/partner', PARTNER, 'PUT')
  t.equal(partner.statusCode, 204, 'the partner route still allows its own origin')
  t.equal(partner.headers['access-control-max-age'], '60', 'and inherits the new plugin options')
  t.equal((await preflight(app, '/partner', B, 'PUT')).statusCode, 403, 'and only its own origin')
  const narrow = await preflight(app, '/narrow', B, 'PUT')
  t.equal(narrow.statusCode, 204, 'a route that only narrows inherits the new origins')
  t.equal(narrow.headers['access-control-max-age'], '5')
  t.equal((await preflight(app, '/narrow', A, 'PUT')).statusCode, 403)
  const off = await preflight(app, '/off', B, 'DELETE')
  t.equal(off.statusCode, 403)
  t.equal(off.body, 'CORS preflight refused: CORS is disabled for this route')
})

test('an invalid reconfiguration throws the coded error with every problem and leaves the old policy in place', async (t) => {
  const cors = createCorsHandle()
  const app = await appWith(cors, { origin: [A], hook: 'onRequest' })
  const error = (() => {
    try {
      cors.reconfigure({ origin: '*', credentials: true, maxAge: -1, hook: 'preHandler' })
    } catch (error) {
      return error as Error & { code?: string, issues?: Array<{ path: string }> }
    }
    throw new Error('expected a throw')
  })()
  t.ok(error instanceof corsPlugin.errorCodes.FST_CORS_INVALID_OPTIONS)
  t.same(error.issues?.map((issue) => issue.path).sort(), ['hook', 'maxAge', 'origin'])
  t.match(error.message, /hook: cannot change at runtime/)
  t.equal((await app.inject({ url: '/items', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  t.same(cors.options.origin, [A])
  // A route whose config becomes invalid over the new options is named, and nothing changes.
  const routed = createCorsHandle()
  const other = Fastify()
  await other.register(corsPlugin, { origin: [A], handle: routed })
  other.get('/cred', { config: { cors: { credentials: true } } }, async () => 'c')
  await other.ready()
  t.throws(() => routed.reconfigure({ origin: '*' }), { code: 'FST_CORS_INVALID_ROUTE_OPTIONS', message: /route GET \/cred/ })
  t.equal((await other.inject({ url: '/cred', headers: { origin: A } })).headers['access-control-allow-credentials'], 'true')
  t.equal((await other.inject({ url: '/items', headers: { origin: A } })).statusCode, 404)
  t.same(routed.options.origin, [A])
})

test('settings that decide the hooks may be left out (kept) but not changed; the handle cannot be swapped', async (t) => {
  const cors = createCorsHandle()
  const app = await appWith(cors, { origin: [A], hook: 'preHandler', preflight: true })
  cors.reconfigure({ origin: [B] })
  t.equal(cors.options.hook, 'preHandler')
  t.equal((await app.inject({ url: '/items', headers: { origin: B } })).headers['access-control-allow-origin'], B)
  cors.reconfigure({ origin: [A], hook: 'preHandler', handle: cors })
  t.throws(() => cors.reconfigure({ origin: [A], handle: createCorsHandle() }), { code: 'FST_CORS_INVALID_OPTIONS', issues: [{ path: 'handle' }] })
  t.throws(() => cors.reconfigure({ origin: [A], preflight: false }), { code: 'FST_CORS_INVALID_OPTIONS', issues: [{ path: 'preflight' }] })
  t.throws(() => cors.reconfigure('nope' as never), { code: 'FST_CORS_INVALID_OPTIONS' })
})

test('the options view: defaults applied, frozen, a copy; mutating the registered object changes nothing', async (t) => {
  const cors = createCorsHandle()
  const given = { origin: [A], methods: ['GET', 'PUT'] }
  const app = await appWith(cors, given)
  given.origin.push(EVIL)
  t.same((await app.inject({ url: '/items', headers: { origin: EVIL } })).headers['access-control-allow-origin'], undefined)
  const view = cors.options
  t.same(view.origin, [A])
  t.equal(view.credentials, false)
  t.equal(view.optionsSuccessStatus, 204)
  t.ok(Object.isFrozen(view) && Object.isFrozen(view.methods))
  t.not(view.origin, given.origin)
  const regexp = /^https:\/\/c\.example$/
  cors.reconfigure({ origin: [regexp] })
  t.equal((cors.options.origin as unknown[])[0], regexp, 'RegExps are the user\'s own, never copied or frozen')
  t.notOk(Object.isFrozen(regexp))
})

test('several registrations are reconfigured independently: siblings, nested, two at one prefix', async (t) => {
  const handles = { api: createCorsHandle(), admin: createCorsHandle(), nested: createCorsHandle(), twinA: createCorsHandle(), twinB: createCorsHandle() }
  const app = Fastify()
  await app.register(async (api) => {
    await api.register(corsPlugin, { origin: [A], handle: handles.api })
    api.get('/x', async () => 'api')
    await api.register(async (inner) => {
      await inner.register(corsPlugin, { origin: [A], handle: handles.nested })
      inner.get('/x', async () => 'nested')
    }, { prefix: '/inner' })
  }, { prefix: '/api' })
  await app.register(async (admin) => {
    await admin.register(corsPlugin, { origin: [A], handle: handles.admin })
    admin.get('/x', async () => 'admin')
  }, { prefix: '/admin' })
  await app.register(async (twin) => {
    await twin.register(corsPlugin, { origin: [A], handle: handles.twinA })
    twin.get('/a', async () => 'a')
  }, { prefix: '/twin' })
  await app.register(async (twin) => {
    await twin.register(corsPlugin, { origin: [A], methods: 'GET,PUT', handle: handles.twinB })
    twin.put('/b', async () => 'b')
  }, { prefix: '/twin' })
  await app.ready()
  const acao = async (url: string, origin: string): Promise<unknown> => (await app.inject({ url, headers: { origin } })).headers['access-control-allow-origin']
  handles.admin.reconfigure({ origin: [B] })
  handles.twinB.reconfigure({ origin: [B], methods: 'GET,PUT' })
  t.equal(await acao('/api/x', A), A)
  t.equal(await acao('/api/inner/x', A), A)
  t.equal(await acao('/admin/x', B), B)
  t.equal(await acao('/admin/x', A), undefined)
  t.equal(await acao('/twin/a', A), A)
  t.equal((await preflight(app, '/twin/b', B, 'PUT')).statusCode, 204)
  t.equal((await preflight(app, '/twin/b', A, 'PUT')).statusCode, 403)
  handles.nested.reconfigure({ origin: [B] })
  t.equal(await acao('/api/inner/x', B), B)
  t.equal(await acao('/api/x', B), undefined)
})

test('a handle serves one registration; an unbound handle says so', async (t) => {
  const cors = createCorsHandle()
  t.throws(() => cors.reconfigure({ origin: [A] }), /this handle is not bound yet/)
  t.throws(() => cors.options, /this handle is not bound yet/)
  const app = Fastify()
  await app.register(corsPlugin, { handle: cors })
  const twice = Fastify()
  twice.register(corsPlugin, { handle: cors })
  await t.rejects(async () => { await twice.ready() }, { code: 'FST_CORS_INVALID_OPTIONS', issues: [{ path: 'handle', message: /already bound/ }] })
  const fake = Fastify()
  fake.register(corsPlugin, { handle: { reconfigure () {}, options: {} } } as never)
  await t.rejects(async () => { await fake.ready() }, { code: 'FST_CORS_INVALID_OPTIONS', issues: [{ path: 'handle', message: /not a handle made by createCorsHandle/ }] })
  const wrong = Fastify()
  wrong.register(corsPlugin, { handle: 42 } as never)
  await t.rejects(async () => { await wrong.ready() }, { code: 'FST_CORS_INVALID_OPTIONS', issues: [{ path: 'handle' }] })
})

test('a delegator can be added by a reconfiguration; route overrides follow the new options', async (t) => {
  const cors = createCorsHandle()
  const app = Fastify()
  await app.register(corsPlugin, { origin: [A], handle: cors })
  app.get('/early', { config: { cors: { methods: 'GET' } } }, async () => 'early')
  app.get('/items', async () => 'items')
  await app.ready()
  t.equal((await app.inject({ url: '/early', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  cors.reconfigure({ origin: [A], delegator: async () => ({ origin: [B] }) })
  t.same(corsHeaders(await app.inject({ url: '/items', headers: { origin: B } })), { vary: 'Origin', 'access-control-allow-origin': B })
  cors.reconfigure({ origin: [B] })
  t.equal((await app.inject({ url: '/early', headers: { origin: B } })).headers['access-control-allow-origin'], B)
  t.equal((await app.inject({ url: '/early', headers: { origin: A } })).headers['access-control-allow-origin'], undefined)
})

test('500 concurrent connections while the policy is swapped every few milliseconds: every response is wholly one policy, none lost', async (t) => {
  // Two policies that differ in every header; async origin functions so swaps land mid-request.
  // A timer, so the swapping timer can fire while a request waits for its origin function.
  const delay = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4))) }
  const X = { origin: async (origin: string | undefined) => { await delay(); return origin === A }, exposedHeaders: 'X-One', methods: 'GET,PUT', maxAge: 100 }
  const Y = { origin: async (origin: string | undefined) => { await delay(); return origin === B }, exposedHeaders: 'X-Two', methods: 'GET,DELETE', maxAge: 200, credentials: true, allowedHeaders: 'Content-Type' }
  const expected = {
    X: {
      get: { status: 200, headers: { vary: 'Origin', 'access-control-allow-origin': A, 'access-control-expose-headers': 'X-One' } },
      preflight: { status: 204, headers: { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': A, 'access-control-allow-methods': 'GET,PUT', 'access-control-max-age': '100' } }
    },
    Y: {
      get: { status: 200, headers: { vary: 'Origin' } },
      preflight: { status: 403, headers: { vary: 'Origin' } }
    }
  }
  const cors = createCorsHandle()
  const app = Fastify()
  await app.register(corsPlugin, { ...X, handle: cors })
  app.get('/items', async () => 'items')
  app.put('/items', async () => 'put')
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  let current = 'X'
  const swapper = setInterval(() => {
    current = current === 'X' ? 'Y' : 'X'
    cors.reconfigure(current === 'X' ? X : Y)
  }, 3)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 500 })
  const send = (kind: 'get' | 'preflight'): Promise<{ kind: 'get' | 'preflight', status: number, headers: Record<string, string> }> => new Promise((resolve, reject) => {
    const headers: Record<string, string> = kind === 'get' ? { origin: A } : { origin: A, 'access-control-request-method': 'PUT' }
    http.request({ host: '127.0.0.1', port, method: kind === 'get' ? 'GET' : 'OPTIONS', path: '/items', headers, agent }, (res) => {
      res.resume()
      res.on('end', () => {
        const cors: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) if (name.startsWith('access-control-') || name === 'vary') cors[name] = String(value)
        resolve({ kind, status: res.statusCode as number, headers: cors })
      })
    }).on('error', reject).end()
  })
  const results: Array<Awaited<ReturnType<typeof send>>> = []
  const ROUNDS = 4
  for (let round = 0; round < ROUNDS; round++) {
    results.push(...await Promise.all(Array.from({ length: 500 }, (_, i) => send(i % 2 === 0 ? 'get' : 'preflight'))))
  }
  clearInterval(swapper)
  agent.destroy()
  const counts = { X: 0, Y: 0, neither: 0 }
  const sorted = (headers: Record<string, string>): string => JSON.stringify(Object.entries(headers).sort())
  for (const result of results) {
    const matches = (['X', 'Y'] as const).filter((name) => expected[name][result.kind].status === result.status && sorted(expected[name][result.kind].headers) === sorted(result.headers))
    if (matches.length === 1) counts[matches[0]]++
    else counts.neither++
  }
  t.equal(results.length, 500 * ROUNDS, 'no response lost')
  t.equal(counts.neither, 0, `every response is one policy's (${JSON.stringify(counts)})`)
  t.ok(counts.X > 0 && counts.Y > 0, 'both policies answered')
})

test('fixed settings compare with their defaults; a reconfiguration warns like a registration', async (t) => {
  const cors = createCorsHandle()
  await appWith(cors, { origin: [A] })
  cors.reconfigure({ origin: [A], hook: 'onRequest', preflight: true })
  t.throws(() => cors.reconfigure({ origin: [A], logLevel: 'debug' }), { message: /logLevel: cannot change at runtime .*; it is not set/ })
  t.throws(() => cors.reconfigure({ origin: [A], hook: 'onSend' }), { message: /hook: cannot change at runtime .*; it is "onRequest"/ })
  const warnings = await emitted(t, async () => { cors.reconfigure({ origin: [A], maxAge: 9000 }) })
  t.same(warnings.map((warning) => warning.code), ['FST_CORS_MAX_AGE_ABOVE_CAP'])
})
