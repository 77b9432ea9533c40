import { test } from 'tap'
import { build, corsHeaders, EVIL, PARTNER, preflight } from './helpers/app.js'

const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'] as const

for (const hook of HOOKS) {
  test(`hook ${hook}: an actual request gets the CORS headers`, async (t) => {
    const app = await build({ origin: [PARTNER], credentials: true, exposedHeaders: 'X-A', hook })
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { items: [] })
    t.same(corsHeaders(res), {
      vary: 'Origin',
      'access-control-allow-origin': PARTNER,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-A'
    })
  })

  test(`hook ${hook}: a preflight is answered with every preflight header`, async (t) => {
    const app = await build({ origin: [PARTNER], credentials: true, methods: 'GET,PUT', allowedHeaders: 'X-B', maxAge: 60, hook })
    const res = await preflight(app, '/items/1', PARTNER, 'PUT', 'x-b')
    t.equal(res.statusCode, 204)
    t.equal(res.body, '')
    t.equal(res.headers['content-length'], '0')
    t.same(corsHeaders(res), {
      vary: 'Origin',
      'access-control-allow-origin': PARTNER,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,PUT',
      'access-control-allow-headers': 'X-B',
      'access-control-max-age': '60'
    })
  })

  test(`hook ${hook}: a preflight from a disallowed origin is refused`, async (t) => {
    const app = await build({ origin: [PARTNER], hook })
    const res = await preflight(app, '/items/1', EVIL, 'PUT')
    t.equal(res.statusCode, 403)
    t.equal(res.body, 'CORS preflight refused: origin not allowed')
    t.same(corsHeaders(res), { vary: 'Origin' })
  })

  test(`hook ${hook}: an async origin function works`, async (t) => {
    const app = await build({ origin: async (origin: string) => origin === PARTNER, methods: 'GET,PUT', hook })
    const ok = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(ok.headers['access-control-allow-origin'], PARTNER)
    const pre = await preflight(app, '/items/1', PARTNER, 'PUT')
    t.equal(pre.statusCode, 204)
    t.equal(pre.headers['access-control-allow-origin'], PARTNER)
    const refused = await preflight(app, '/items/1', EVIL, 'PUT')
    t.equal(refused.statusCode, 403)
  })

  test(`hook ${hook}: an origin function error is a 500`, async (t) => {
    const app = await build({ origin: async () => { throw new Error('down') }, hook })
    const res = await app.inject({ url: '/items', headers: { origin: PARTNER } })
    t.equal(res.statusCode, 500)
    const pre = await preflight(app, '/items/1', PARTNER, 'PUT')
    t.equal(pre.statusCode, 500)
  })
}

test("with a late hook, a preflight to a path with the user's own OPTIONS route is still answered by the plugin", async (t) => {
  for (const hook of ['onSend', 'preSerialization'] as const) {
    let ran = 0
    const app = await build({ origin: [PARTNER], hook }, (app) => app.options('/own', async () => { ran++; return { own: true } }))
    const ok = await preflight(app, '/own', PARTNER, 'GET')
    t.equal(ok.statusCode, 204, hook)
    t.same(corsHeaders(ok), { vary: 'Origin, Access-Control-Request-Headers', 'access-control-allow-origin': PARTNER, 'access-control-allow-methods': 'GET,HEAD,POST' }, hook)
    const refused = await preflight(app, '/own', EVIL, 'GET')
    t.equal(refused.statusCode, 403, hook)
    t.same(corsHeaders(refused), { vary: 'Origin' }, hook)
    t.equal(ran, 0, `${hook}: the user's OPTIONS handler never runs for a preflight`)
    const plain = await app.inject({ method: 'OPTIONS', url: '/own', headers: { origin: PARTNER } })
    t.same(plain.json(), { own: true }, `${hook}: an OPTIONS that is not a preflight reaches it, with CORS headers`)
    t.equal(plain.headers['access-control-allow-origin'], PARTNER, hook)
  }
})

test('with the onSend hook, a preflight under origin: false is refused by the OPTIONS route', async (t) => {
  const app = await build({ origin: false, hook: 'onSend' })
  const res = await preflight(app, '/items/1', PARTNER, 'PUT')
  t.equal(res.statusCode, 403)
})

test('with the onSend hook, a non-preflight OPTIONS is 400 under strictPreflight', async (t) => {
  const app = await build({ hook: 'onSend' })
  const res = await app.inject({ method: 'OPTIONS', url: '/items' })
  t.equal(res.statusCode, 400)
  t.equal(res.body, 'Invalid Preflight Request')
})

test('with a late hook and preflightContinue the OPTIONS route still answers the preflight', async (t) => {
  for (const origin of [[PARTNER], async () => [PARTNER]]) {
    const app = await build({ origin, hook: 'onSend', preflightContinue: true, optionsSuccessStatus: 200 })
    const res = await preflight(app, '/items', PARTNER, 'GET')
    t.equal(res.statusCode, 200)
    t.equal(res.body, '')
    t.equal(res.headers['access-control-allow-origin'], PARTNER)
  }
})
