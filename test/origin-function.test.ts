import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

test('an origin function with a callback decides per request, with Vary: Origin', async (t) => {
  const app = await build({
    origin: (origin: string | undefined, cb: (e: Error | null, v?: unknown) => void) => { cb(null, origin === PARTNER) },
    credentials: true
  })
  const ok = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.same(corsHeaders(ok), { vary: 'Origin', 'access-control-allow-origin': PARTNER, 'access-control-allow-credentials': 'true' })
  const no = await app.inject({ url: '/items', headers: { origin: EVIL } })
  t.same(corsHeaders(no), { vary: 'Origin' })
  const refused = await preflight(app, '/items', EVIL, 'GET')
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, 'CORS preflight refused: origin not allowed')
})

test('an async origin function may resolve to a list', async (t) => {
  const app = await build({ origin: async () => [PARTNER, 'https://*.apps.example'] })
  const res = await preflight(app, '/items', 'https://x.apps.example', 'POST')
  t.equal(res.statusCode, 204)
  t.same(corsHeaders(res), {
    vary: 'Origin, Access-Control-Request-Headers',
    'access-control-allow-origin': 'https://x.apps.example',
    'access-control-allow-methods': 'GET,HEAD,POST'
  })
})

test("an origin function resolving to '*' sends ACAO * with Vary: Origin", async (t) => {
  const app = await build({ origin: async () => '*' })
  const res = await app.inject({ url: '/items', headers: { origin: EVIL } })
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': '*' })
})

test('an origin function resolving to a string sends that origin as-is', async (t) => {
  const app = await build({ origin: async () => 'https://Partner.example/' })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.same(corsHeaders(res), { vary: 'Origin', 'access-control-allow-origin': PARTNER })
  const again = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(again.headers['access-control-allow-origin'], PARTNER, 'the compiled result is reused')
})

test('an origin function may return its answer synchronously', async (t) => {
  const app = await build({ origin: () => true })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
})

test('an origin function that fails with something other than an Error is a 500 saying so, never a silent success', async (t) => {
  type Cb = (e: unknown, v?: unknown) => void
  const cases: Array<[string, unknown, string]> = [
    ['throw undefined', () => { throw undefined }, 'undefined'], // eslint-disable-line no-throw-literal
    ['reject(undefined)', async () => await Promise.reject(undefined), 'undefined'], // eslint-disable-line prefer-promise-reject-errors
    ['reject(null)', async () => await Promise.reject(null), 'null'], // eslint-disable-line prefer-promise-reject-errors
    ["reject('nope')", async () => await Promise.reject('nope'), 'nope'], // eslint-disable-line prefer-promise-reject-errors
    ['reject({})', async () => await Promise.reject({}), 'an object that is not an Error'], // eslint-disable-line prefer-promise-reject-errors
    ["callback('nope')", (_o: string, cb: Cb) => { cb('nope') }, 'nope'], // eslint-disable-line n/no-callback-literal
    ["callback style, reject('late')", async (_o: string, _cb: Cb) => await Promise.reject('late'), 'late'], // eslint-disable-line prefer-promise-reject-errors
    ['callback style, throw 0', (_o: string, _cb: Cb) => { throw 0 }, '0'] // eslint-disable-line no-throw-literal
  ]
  for (const [name, origin, what] of cases) {
    const app = await build({ origin: origin as never })
    for (const res of [await app.inject({ url: '/items', headers: { origin: PARTNER } }), await preflight(app, '/items', PARTNER, 'PUT')]) {
      t.equal(res.statusCode, 500, name)
      t.equal(res.json().code, 'FST_CORS_INVALID_ORIGIN_RESULT', name)
      t.equal(res.json().message, `fastify-corsica: the origin function failed with ${what}; throw or reject with an Error`, name)
      t.equal(res.headers['access-control-allow-origin'], undefined, name)
    }
  }
})

test('a callback called with no value, or a function without a callback parameter returning nothing, is a 500 with a hint', async (t) => {
  type Cb = (e?: unknown, v?: unknown) => void
  const cases: Array<[string, unknown]> = [
    ['callback()', (_o: string, cb: Cb) => { cb() }],
    ['callback(null)', (_o: string, cb: Cb) => { cb(null) }],
    // Declared without a callback parameter: it is called without one, so it must answer by returning.
    ['(origin) => undefined', (_o: string) => undefined],
    ['callback behind a default value', function (_o: string, cb: Cb = () => {}) { cb(null, true) }]
  ]
  for (const [name, origin] of cases) {
    const app = await build({ origin: origin as never })
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.statusCode, 500, name)
    t.equal(res.json().code, 'FST_CORS_INVALID_ORIGIN_RESULT', name)
    t.match(res.json().message, /the origin function resolved to undefined; .* \(a function that calls back must declare the callback as its second parameter\)$/, name)
  }
})

test('a plain value returned by a function that also declares a callback is its answer', async (t) => {
  const app = await build({ origin: (_o: string | undefined, _cb: unknown) => [PARTNER] })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
})

test('an origin function is called with this bound to the Fastify instance', async (t) => {
  let self: unknown
  let app: FastifyInstance | undefined
  app = await build({ origin: function (this: FastifyInstance, _o: string, cb: (e: Error | null, v: boolean) => void) { self = this; cb(null, true) } })
  await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.ok(self !== undefined && typeof (self as FastifyInstance).inject === 'function', 'this is a Fastify instance')
  app = undefined
})

test('an origin function that both calls back and returns a promise resolves exactly once', async (t) => {
  let calls = 0
  const app = await build({
    origin: async (_o: string, cb: (e: Error | null, v: unknown) => void) => { calls++; cb(null, true); return false }
  }, (app) => app.addHook('onSend', async (_req, _reply, payload) => payload))
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], PARTNER, 'the first answer (the callback) wins')
  t.equal(calls, 1)
})

test('an origin function error becomes a 500 and the server keeps serving', async (t) => {
  let fail = true
  const app = await build({ origin: async () => { if (fail) throw new Error('lookup failed'); return true } })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().message, 'lookup failed')
  fail = false
  const next = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(next.statusCode, 200)
})

test('an origin function that throws synchronously becomes a 500', async (t) => {
  const app = await build({ origin: () => { throw new Error('sync boom') } })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().message, 'sync boom')
})

test('an origin function passing an error to its callback becomes a 500', async (t) => {
  const app = await build({ origin: (_o: string, cb: (e: Error) => void) => cb(new Error('cb boom')) })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
})

test('an origin function resolving to an invalid value is a 500 with a clear message', async (t) => {
  const app = await build({ origin: async () => 42 })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'FST_CORS_INVALID_ORIGIN_RESULT')
  t.match(res.json().message, /the origin function resolved to 42; it must resolve to a boolean, a string origin/)
  const obj = await build({ origin: async () => ({ nope: 1 }) })
  const res2 = await obj.inject({ url: '/items', headers: { origin: PARTNER } })
  t.match(res2.json().message, /resolved to \{"nope":1\}/)
})

test('an origin function resolving to a malformed origin is a 500', async (t) => {
  const app = await build({ origin: async () => ['https://a.example/path'] })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.match(res.json().message, /resolved to an invalid origin: .* has a path/)
})

test("an origin function resolving to '*' under credentials is a 500", async (t) => {
  const app = await build({ origin: async () => '*', credentials: true })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.statusCode, 500)
  t.match(res.json().message, /resolved to '\*' but credentials is true/)
})

test('an origin function resolving to false refuses the preflight and adds no headers', async (t) => {
  const app = await build({ origin: async () => false })
  const res = await preflight(app, '/items', PARTNER, 'GET')
  t.equal(res.statusCode, 403)
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('an origin function receives undefined when the request has no Origin', async (t) => {
  const seen: unknown[] = []
  const app = await build({ origin: async (origin: string | undefined) => { seen.push(origin); return true } })
  const res = await app.inject({ url: '/items' })
  t.same(seen, [undefined])
  t.same(corsHeaders(res), { vary: 'Origin' })
})

test('a string result is compiled on each call: a function answering a new string every time is followed exactly', async (t) => {
  let n = 0
  const app = await build({ origin: async () => `https://h${n++}.example` })
  for (let i = 0; i < 1002; i++) await app.inject({ url: '/items', headers: { origin: PARTNER } })
  const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
  t.equal(res.headers['access-control-allow-origin'], 'https://h1002.example')
})
