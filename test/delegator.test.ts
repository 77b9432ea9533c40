import { test } from 'tap'
import Fastify from './helpers/fastify.js'
import { type FastifyRequest } from 'fastify'
import corsPlugin from '../src/index.js'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

const TENANT_A = { origin: ['https://a.example'], credentials: true }
const TENANT_B = { origin: ['https://b.example'], exposedHeaders: 'X-B' }

function byTenant (request: FastifyRequest): typeof TENANT_A | typeof TENANT_B {
  return request.headers['x-tenant'] === 'b' ? TENANT_B : TENANT_A
}

test('a callback delegator chooses the options per request', async (t) => {
  const app = await build({ delegator: (req: FastifyRequest, cb: (e: Error | null, o?: unknown) => void) => cb(null, byTenant(req)) })
  const a = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.same(corsHeaders(a), { vary: 'Origin', 'access-control-allow-origin': 'https://a.example', 'access-control-allow-credentials': 'true' })
  const b = await app.inject({ url: '/items', headers: { origin: 'https://b.example', 'x-tenant': 'b' } })
  t.same(corsHeaders(b), { vary: 'Origin', 'access-control-allow-origin': 'https://b.example', 'access-control-expose-headers': 'X-B' })
  const crossed = await app.inject({ url: '/items', headers: { origin: 'https://a.example', 'x-tenant': 'b' } })
  t.same(corsHeaders(crossed), { vary: 'Origin' })
})

test('an async delegator works for preflights too', async (t) => {
  const app = await build({ delegator: async (req: FastifyRequest) => byTenant(req), methods: 'GET,PUT' })
  const ok = await preflight(app, '/items/1', 'https://a.example', 'PUT')
  t.equal(ok.statusCode, 204)
  t.same(corsHeaders(ok), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': 'https://a.example',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET,PUT'
  }, 'plugin options (methods) are the base the delegator result is merged over')
  t.equal((await preflight(app, '/items/1', EVIL, 'PUT')).statusCode, 403)
})

test('a sync delegator returning options works', async (t) => {
  const app = await build({ delegator: (req: FastifyRequest) => byTenant(req) })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://a.example')
})

test('register(plugin, (instance) => delegator) is accepted', async (t) => {
  const app = Fastify()
  let seen: unknown
  await app.register(corsPlugin, ((instance: unknown) => { seen = instance; return async () => TENANT_A }) as never)
  app.get('/', async () => 'ok')
  const res = await app.inject({ url: '/', headers: { origin: 'https://a.example' } })
  t.ok(seen !== undefined)
  t.equal(res.headers['access-control-allow-origin'], 'https://a.example')
})

test('{ delegator, hook } runs the delegator in the chosen hook', async (t) => {
  const app = await build({ delegator: async () => TENANT_A, hook: 'preHandler' })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://a.example')
})

test('a plain options object is frozen when first returned and compiled once; a change to it throws where it is made', async (t) => {
  const options = { origin: ['https://a.example'], credentials: true }
  const app = await build({ delegator: async () => options })
  t.equal((await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })).headers['access-control-allow-origin'], 'https://a.example')
  t.ok(Object.isFrozen(options) && Object.isFrozen(options.origin), 'the object and its list are frozen')
  t.throws(() => { options.origin.push('https://b.example') }, TypeError)
  t.throws(() => { (options as { credentials: boolean }).credentials = false }, TypeError)
  t.same(corsHeaders(await app.inject({ url: '/items', headers: { origin: 'https://b.example' } })), { vary: 'Origin' }, 'what is served is what the object holds')
})

test('a list kept by the delegator and wrapped in a fresh object on every call is compiled once', async (t) => {
  let reads = 0
  class CountedRegExp extends RegExp {
    get source (): string {
      reads++
      return super.source
    }
  }
  const list = ['https://a.example', new CountedRegExp('^https:\\/\\/[a-z]+\\.b\\.example$')]
  const app = await build({ delegator: async () => ({ origin: list, methods: 'GET,PUT' }) })
  await app.inject({ url: '/items', headers: { origin: 'https://x.b.example' } })
  const afterFirst = reads
  t.ok(afterFirst > 2, 'the first request compiles and checks the list')
  for (let i = 0; i < 5; i++) {
    t.equal((await app.inject({ url: '/items', headers: { origin: 'https://x.b.example' } })).headers['access-control-allow-origin'], 'https://x.b.example')
  }
  t.equal(reads - afterFirst, 5, 'later requests only check that the RegExp still holds what was compiled (one read of its source)')
})

test('an object literal with a getter is read anew on every call; a nested list with a RegExp is compiled once', async (t) => {
  let allowed = 'https://a.example'
  const app = await build({ delegator: async () => ({ get origin () { return [allowed] } }) })
  t.equal((await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })).headers['access-control-allow-origin'], 'https://a.example')
  allowed = 'https://b.example'
  t.equal((await app.inject({ url: '/items', headers: { origin: 'https://b.example' } })).headers['access-control-allow-origin'], 'https://b.example')
  const nested = [['https://a.example', [/^https:\/\/[a-z]+\.c\.example$/]]]
  const lists = await build({ origin: async () => nested })
  for (let i = 0; i < 2; i++) t.equal((await lists.inject({ url: '/items', headers: { origin: 'https://x.c.example' } })).headers['access-control-allow-origin'], 'https://x.c.example')
  t.ok(Object.isFrozen(nested[0][1]), 'the inner lists are frozen too')
})

test('a class instance, an Object.create object or a proxy is read anew on every call: never stale', async (t) => {
  class TenantOptions {
    #allowed = ['https://a.example']
    get origin (): string[] { return this.#allowed }
    allow (origin: string): void { this.#allowed = [origin] }
  }
  const instance = new TenantOptions()
  const created = Object.create({ credentials: false }) as { origin: string }
  created.origin = 'https://a.example'
  const frozenInstance = Object.freeze(new TenantOptions())
  let proxied = ['https://a.example']
  const proxy = new Proxy({}, { get: (_target, key) => (key === 'origin' ? proxied : undefined), has: (_target, key) => key === 'origin' })
  for (const [name, result, change] of [
    ['class instance', instance, () => { instance.allow('https://b.example') }],
    ['Object.create', created, () => { created.origin = 'https://b.example' }],
    ['frozen class instance', frozenInstance, () => { frozenInstance.allow('https://b.example') }],
    ['proxy', proxy, () => { proxied = ['https://b.example'] }]
  ] as const) {
    const app = await build({ delegator: async () => result })
    t.equal((await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })).headers['access-control-allow-origin'], 'https://a.example', name)
    change()
    t.equal((await app.inject({ url: '/items', headers: { origin: 'https://b.example' } })).headers['access-control-allow-origin'], 'https://b.example', `${name}: served as it is now`)
    t.equal((await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })).headers['access-control-allow-origin'], name === 'Object.create' ? 'https://b.example' : undefined, `${name}: the old value is gone`)
  }
})

test('a fresh object holding the same values as the last result reuses its policy; any difference is compiled', async (t) => {
  const list = ['https://a.example']
  const proto = Object.create({ exposedHeaders: 'X-Proto' }) as Record<string, unknown>
  proto.origin = list
  const proxy = new Proxy({ origin: list }, {
    get: (target, key) => (key === 'exposedHeaders' ? 'X-Proxy' : target[key as 'origin']),
    has: (_target, key) => key === 'origin' || key === 'exposedHeaders'
  })
  const results: Record<string, () => unknown> = {
    plain: () => ({ origin: list }),
    exposed1: () => ({ origin: list, exposedHeaders: 'X-1' }),
    exposed2: () => ({ origin: list, exposedHeaders: 'X-2' }),
    other: () => ({ origin: list, credentials: true }),
    proto: () => proto,
    proxy: () => proxy
  }
  const app = await build({ delegator: async (request: FastifyRequest) => results[request.headers['x-step'] as string]() }, (instance) => {
    instance.get('/route', { config: { cors: { exposedHeaders: 'X-Route' } } }, async () => 'route')
  })
  const expose = async (step: string, url = '/items'): Promise<unknown> => (await app.inject({ url, headers: { origin: 'https://a.example', 'x-step': step } })).headers['access-control-expose-headers']
  const seen: unknown[] = []
  for (const [step, url] of [['plain'], ['plain'], ['exposed1'], ['exposed1'], ['exposed2'], ['other'], ['exposed2'], ['plain'], ['proto'], ['plain'], ['proxy'], ['plain', '/route'], ['plain']]) {
    seen.push(await expose(step, url))
  }
  t.same(seen, [undefined, undefined, 'X-1', 'X-1', 'X-2', undefined, 'X-2', undefined, 'X-Proto', undefined, 'X-Proxy', 'X-Route', undefined])
  const credentialed = await app.inject({ url: '/items', headers: { origin: 'https://a.example', 'x-step': 'other' } })
  t.equal(credentialed.headers['access-control-allow-credentials'], 'true', 'a different key, same count')
})

test('a RegExp changed in place (RegExp.prototype.compile) in a result returned again is checked as it is now', async (t) => {
  const regexp = /^https:\/\/a\.example$/
  const same = { origin: [regexp] }
  const app = await build({ delegator: async () => same })
  const get = async (origin: string): Promise<{ statusCode: number, headers: Record<string, unknown> }> => await app.inject({ url: '/items', headers: { origin } })
  t.equal((await get('https://a.example')).headers['access-control-allow-origin'], 'https://a.example')
  regexp.compile('^https:\\/\\/b\\.example$')
  t.equal((await get('https://b.example')).headers['access-control-allow-origin'], 'https://b.example')
  // Changed into one that is exponential on some origins: refused as a new result would be.
  regexp.compile('^https:\\/\\/([a-z]|[a-z0-9])+\\.example$')
  t.equal((await get('https://b.example')).statusCode, 500)
})

test('a callback delegator calling back with false (no error, as @fastify/cors reads it) gets its options', async (t) => {
  for (const noError of [false, 0, '', null, undefined]) {
    const app = await build({ delegator: (_request: FastifyRequest, cb: (error: unknown, options?: unknown) => void) => { cb(noError, { origin: [PARTNER] }) } })
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.statusCode, 200, String(noError))
    t.equal(res.headers['access-control-allow-origin'], PARTNER, String(noError))
  }
})

test('a route config is merged over the delegator result', async (t) => {
  const app = await build({ delegator: async () => TENANT_A }, (app) => {
    app.get('/partner', { config: { cors: { origin: [PARTNER] } } }, async () => 'p')
    app.get('/off', { config: { cors: false } }, async () => 'off')
  })
  const res = await app.inject({ url: '/partner', headers: { origin: PARTNER } })
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-allow-credentials': 'true' })
  const off = await app.inject({ url: '/off', headers: { origin: 'https://a.example' } })
  t.same(corsHeaders(off), {}, 'cors: false wins over any delegator result')
  t.equal((await preflight(app, '/off', 'https://a.example', 'GET')).statusCode, 403)
})

test('a delegator error is a 500 and the server keeps serving', async (t) => {
  let fail = true
  const app = await build({ delegator: async () => { if (fail) throw new Error('tenant db down'); return TENANT_A } })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().message, 'tenant db down')
  fail = false
  t.equal((await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })).statusCode, 200)
})

test('a delegator that throws synchronously or calls back with an error is a 500', async (t) => {
  const sync = await build({ delegator: () => { throw new Error('sync') } })
  t.equal((await sync.inject({ url: '/items' })).statusCode, 500)
  const cb = await build({ delegator: (_r: FastifyRequest, done: (e: Error) => void) => done(new Error('cb')) })
  t.equal((await cb.inject({ url: '/items' })).statusCode, 500)
})

test('a delegator failing with something other than an Error is a 500 saying so', async (t) => {
  const app = await build({ delegator: async () => await Promise.reject(undefined) }) // eslint-disable-line prefer-promise-reject-errors
  const res = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_CORS_INVALID_DELEGATOR_RESULT')
  t.equal(res.json().message, 'fastify-corsica: the delegator failed with undefined; throw or reject with an Error')
})

test('an invalid delegator result is a 500 with a clear message, not a crash', async (t) => {
  const app = await build({ delegator: async () => ({ orgin: 'x', credentials: 'yes' }) })
  const res = await app.inject({ url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_CORS_INVALID_DELEGATOR_RESULT')
  t.match(res.json().message, /2 problems in the options returned by the delegator/)
  t.match(res.json().message, /orgin: is not an option; did you mean 'origin'\?/)
  const nothing = await build({ delegator: async () => 'nope' })
  const res2 = await nothing.inject({ url: '/items' })
  t.equal(res2.statusCode, 500)
  t.match(res2.json().message, /expected an options object, got "nope"/)
})

test('a delegator result with an insecure combination is refused per request', async (t) => {
  const app = await build({ delegator: async () => ({ origin: '*', credentials: true }) })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.match(res.json().message, /origin: '\*' cannot be used with credentials \(browsers reject that pair\)/)
})

test('a delegator result whose route merge is invalid is a 500', async (t) => {
  const app = await build({ delegator: async () => ({ credentials: true, origin: true }) }, (app) => {
    app.get('/star', { config: { cors: { origin: ['https://a.example'], allowedHeaders: 'X-A' } } }, async () => 's')
    app.get('/bad', { config: { cors: { exposedHeaders: '*' } } }, async () => 'b')
  })
  t.equal((await app.inject({ url: '/star', headers: { origin: 'https://a.example' } })).headers['access-control-allow-credentials'], 'true')
  const res = await app.inject({ url: '/bad', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.match(res.json().message, /exposedHeaders: '\*' is not a wildcard when credentials: true/)
})

test('a delegator may return an origin function', async (t) => {
  const app = await build({ delegator: async () => ({ origin: async (o: string) => o === PARTNER }) })
  t.equal((await app.inject({ url: '/items', headers: { origin: PARTNER } })).headers['access-control-allow-origin'], PARTNER)
  t.equal((await app.inject({ url: '/items', headers: { origin: EVIL } })).headers['access-control-allow-origin'], undefined)
})

test('an OPTIONS that is not a preflight follows the strictPreflight the delegator returns; a failure there is a 500', async (t) => {
  const lenient = await build({ delegator: async () => ({ origin: ['https://a.example'], strictPreflight: false }) })
  t.equal((await lenient.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'https://a.example' } })).statusCode, 404)
  const strict = await build({ delegator: async () => ({ origin: ['https://a.example'] }) })
  t.equal((await strict.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'https://a.example' } })).statusCode, 400)
  let calls = 0
  const flaky = await build({ delegator: async () => { calls++; if (calls % 2 === 0) throw new Error('store down'); return { origin: ['https://a.example'] } } })
  const res = await flaky.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'https://a.example' } })
  t.equal(res.statusCode, 500)
  t.match(res.json(), { message: 'store down' })
})
