// What a real browser allows: Chromium fetches from one origin to an API on another.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import corsPlugin from '../../src/index.js'
import { browserFetch, launch, listen, openPage, pageServer } from './browser.js'

let browser: Browser
let pages: FastifyInstance
let pagePort: number
let api: FastifyInstance
let apiPort: number
let reflectApi: FastifyInstance
let reflectPort: number
const seen = { deletes: 0, adminDeletes: 0, preflights: new Map<string, number>(), sandboxOrigins: [] as string[] }

const appOrigin = (): string => `http://app.example.test:${pagePort}`
const partnerOrigin = (): string => `http://shop.partners.example.test:${pagePort}`
const evilOrigin = (): string => `http://evil.example.test:${pagePort}`
const apiUrl = (path: string): string => `http://api.example.test:${apiPort}${path}`

async function buildApi (): Promise<FastifyInstance> {
  const app = Fastify()
  // Registered before the plugin, so it sees preflights before the plugin answers them.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS') {
      const path = request.url.split('?')[0]
      seen.preflights.set(path, (seen.preflights.get(path) ?? 0) + 1)
    } else if (request.url.startsWith('/private') && request.headers.authorization === undefined) {
      // An authentication hook that runs before the plugin's: its 401 still carries the CORS headers.
      return await reply.code(401).send({ error: 'please log in' })
    }
  })
  await app.register(corsPlugin, {
    origin: [appOrigin(), `http://*.partners.example.test:${pagePort}`],
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Total-Count'],
    // The pages are served over plain http on *.example.test (mapped to 127.0.0.1): an
    // insecure origin with credentials, which the plugin refuses unless told otherwise.
    dangerouslyTolerateInsecureOrigins: true
  })
  app.get('/items', async (_req, reply) => {
    reply.header('x-total-count', '3').header('x-secret', 'hidden')
    return { items: [1, 2, 3] }
  })
  app.put('/items/:id', async (request) => ({ put: (request.params as { id: string }).id, by: request.headers['x-request-id'] }))
  app.patch('/items/:id', async () => ({ patched: true }))
  app.delete('/items/:id', async () => ({ deleted: true }))
  app.post('/login', async (_req, reply) => {
    reply.header('set-cookie', 'sid=s3cr3t; Path=/; HttpOnly; SameSite=Lax')
    return { loggedIn: true }
  })
  app.get('/me', async (request) => ({ cookie: request.headers.cookie ?? null }))
  app.get('/auth', async (request) => ({ authorization: request.headers.authorization ?? null }))
  app.get('/boom', async () => { throw new Error('kaboom') })
  app.get('/private/profile', async () => ({ name: 'Ada' }))
  app.put('/cached/short', { config: { cors: { maxAge: 0 } } }, async () => ({ ok: 'short' }))
  app.put('/cached/long', { config: { cors: { maxAge: 600 } } }, async () => ({ ok: 'long' }))
  app.get('/partner-only', { config: { cors: { origin: [partnerOrigin()] } } }, async () => ({ partner: true }))
  app.put('/partner-only', { config: { cors: { origin: [partnerOrigin()] } } }, async () => ({ partner: 'put' }))
  app.get('/internal', { config: { cors: false } }, async () => ({ internal: true }))
  app.delete('/internal/:id', { config: { cors: false } }, async () => { seen.deletes++; return { deleted: true } })
  // A '/' route in a prefixed plugin: Fastify serves it at /admin and /admin/.
  await app.register(async (admin) => {
    admin.delete('/', { config: { cors: false } }, async () => { seen.adminDeletes++; return { deleted: true } })
  }, { prefix: '/admin' })
  await app.register(async (tenants) => {
    await tenants.register(corsPlugin, {
      delegator: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        return request.url.includes('tenant=partner') ? PARTNER_TENANT : APP_TENANT
      }
    })
    tenants.put('/data', async () => ({ tenant: 'data' }))
  }, { prefix: '/tenants' })
  return app
}

const APP_TENANT = { origin: [] as string[], methods: 'PUT' }
const PARTNER_TENANT = { origin: [] as string[], methods: 'PUT' }

test('setup', async () => {
  browser = await launch()
  const started = await pageServer((path) => {
    if (!path.startsWith('/sandbox')) return ''
    const target = JSON.stringify(`http://reflect.example.test:${reflectPort}/whoami`)
    const sandbox = path.includes('off') ? '' : ' sandbox="allow-scripts"'
    return `<script>window.result = new Promise((resolve) => addEventListener('message', (e) => resolve(e.data)))</script>
      <iframe${sandbox} srcdoc="<script>fetch(${target.replace(/"/g, '&quot;')}, { credentials: 'include' }).then((r) => r.text()).then((t) => parent.postMessage('read:' + t, '*'), (e) => parent.postMessage('blocked', '*'))</script>"></iframe>`
  })
  pages = started.app
  pagePort = started.port
  APP_TENANT.origin = [appOrigin()]
  PARTNER_TENANT.origin = [partnerOrigin()]
  api = await buildApi()
  apiPort = await listen(api)
  reflectApi = Fastify()
  await reflectApi.register(corsPlugin, { origin: true, credentials: true, dangerouslyTolerateAnyOriginWithCredentials: true })
  reflectApi.get('/whoami', async (request) => { seen.sandboxOrigins.push(String(request.headers.origin)); return 'me' })
  reflectPort = await listen(reflectApi)
})

let appPage: Page
let partnerPage: Page
let evilPage: Page

test('pages open on their origins', async (t) => {
  appPage = await openPage(browser, `${appOrigin()}/`)
  partnerPage = await openPage(browser, `${partnerOrigin()}/`)
  evilPage = await openPage(browser, `${evilOrigin()}/`)
  t.equal(await appPage.evaluate(() => location.origin), appOrigin())
})

test('a simple GET from an allowed origin is readable', async (t) => {
  const res = await browserFetch(appPage, apiUrl('/items'))
  t.equal(res.ok, true)
  t.equal(res.status, 200)
  t.same(JSON.parse(res.body as string), { items: [1, 2, 3] })
})

test('a simple GET from a disallowed origin is a network error', async (t) => {
  const res = await browserFetch(evilPage, apiUrl('/items'))
  t.equal(res.ok, false)
  t.match(res.error, /TypeError: Failed to fetch/)
})

test('exposed headers are readable, others are not', async (t) => {
  const res = await browserFetch(appPage, apiUrl('/items'), {}, ['x-total-count', 'x-secret', 'content-type'])
  t.same(res.headers, { 'x-total-count': '3', 'x-secret': null, 'content-type': 'application/json; charset=utf-8' })
})

test('a cookie set by the API is sent back on credentialed requests', async (t) => {
  const login = await browserFetch(appPage, apiUrl('/login'), { method: 'POST', credentials: 'include' })
  t.equal(login.ok, true)
  const me = await browserFetch(appPage, apiUrl('/me'), { credentials: 'include' })
  t.same(JSON.parse(me.body as string), { cookie: 'sid=s3cr3t' })
  const anonymous = await browserFetch(appPage, apiUrl('/me'), { credentials: 'omit' })
  t.same(JSON.parse(anonymous.body as string), { cookie: null })
})

test('PUT and DELETE with a custom header go through a preflight', async (t) => {
  const put = await browserFetch(appPage, apiUrl('/items/7'), { method: 'PUT', headers: { 'X-Request-Id': 'r1', 'Content-Type': 'application/json' }, body: '{}', credentials: 'include' })
  t.equal(put.ok, true)
  t.same(JSON.parse(put.body as string), { put: '7', by: 'r1' })
  t.ok((seen.preflights.get('/items/7') ?? 0) >= 1, 'a preflight was sent')
  const del = await browserFetch(appPage, apiUrl('/items/8'), { method: 'DELETE' })
  t.equal(del.ok, true)
})

test('a method outside methods is refused by the browser', async (t) => {
  const patch = await browserFetch(appPage, apiUrl('/items/9'), { method: 'PATCH' })
  t.equal(patch.ok, false)
})

test('Authorization listed in allowedHeaders passes under credentials; an unlisted header does not', async (t) => {
  const ok = await browserFetch(appPage, apiUrl('/auth'), { headers: { Authorization: 'Bearer t0k3n' }, credentials: 'include' })
  t.equal(ok.ok, true)
  t.same(JSON.parse(ok.body as string), { authorization: 'Bearer t0k3n' })
  const unlisted = await browserFetch(appPage, apiUrl('/auth'), { headers: { 'X-Unlisted': '1' }, credentials: 'include' })
  t.equal(unlisted.ok, false)
})

test('maxAge lets the browser reuse a preflight; maxAge 0 does not', async (t) => {
  for (let i = 0; i < 3; i++) {
    t.equal((await browserFetch(appPage, apiUrl('/cached/long'), { method: 'PUT' })).ok, true)
    t.equal((await browserFetch(appPage, apiUrl('/cached/short'), { method: 'PUT' })).ok, true)
  }
  t.equal(seen.preflights.get('/cached/long'), 1, 'one preflight for three PUTs with maxAge 600')
  t.equal(seen.preflights.get('/cached/short'), 3, 'a preflight for every PUT with maxAge 0')
})

test('a wildcard subdomain pattern lets the partner subdomain in', async (t) => {
  const res = await browserFetch(partnerPage, apiUrl('/items'))
  t.equal(res.ok, true)
  const put = await browserFetch(partnerPage, apiUrl('/items/1'), { method: 'PUT' })
  t.equal(put.ok, true)
})

test('error responses (404, 500) are readable by the page', async (t) => {
  const missing = await browserFetch(appPage, apiUrl('/nope'))
  t.equal(missing.ok, true)
  t.equal(missing.status, 404)
  const boom = await browserFetch(appPage, apiUrl('/boom'))
  t.equal(boom.ok, true)
  t.equal(boom.status, 500)
  t.match(boom.body, /kaboom/)
})

test('a 401 sent by an authentication hook registered before the plugin is readable by an allowed page, not by others', async (t) => {
  const refused = await browserFetch(appPage, apiUrl('/private/profile'))
  t.equal(refused.ok, true, 'the page reads the response')
  t.equal(refused.status, 401)
  t.match(refused.body, /please log in/)
  const loggedIn = await browserFetch(appPage, apiUrl('/private/profile'), { headers: { Authorization: 'Bearer t' } })
  t.equal(loggedIn.status, 200)
  t.match(loggedIn.body, /Ada/)
  const evil = await browserFetch(evilPage, apiUrl('/private/profile'))
  t.equal(evil.ok, false, 'a disallowed origin still sees a network error')
})

test('a route override admits its own origin and refuses the global one, for simple and preflighted requests', async (t) => {
  t.equal((await browserFetch(partnerPage, apiUrl('/partner-only'))).ok, true)
  t.equal((await browserFetch(appPage, apiUrl('/partner-only'))).ok, false)
  t.equal((await browserFetch(partnerPage, apiUrl('/partner-only'), { method: 'PUT' })).ok, true)
  t.equal((await browserFetch(appPage, apiUrl('/partner-only'), { method: 'PUT' })).ok, false)
})

test('a cors: false route is unreadable, and its preflighted DELETE never reaches the handler', async (t) => {
  t.equal((await browserFetch(appPage, apiUrl('/internal'))).ok, false)
  const del = await browserFetch(appPage, apiUrl('/internal/1'), { method: 'DELETE' })
  t.equal(del.ok, false)
  t.equal(seen.preflights.get('/internal/1'), 1, 'the browser sent the preflight')
  t.equal(seen.deletes, 0, 'the DELETE handler never ran')
})

test("a cors: false '/' route of a prefixed plugin refuses the preflight at both of its paths", async (t) => {
  for (const path of ['/admin', '/admin/']) {
    const del = await browserFetch(appPage, apiUrl(path), { method: 'DELETE' })
    t.equal(del.ok, false, path)
    t.equal(seen.preflights.get(path), 1, `${path}: the browser sent the preflight`)
  }
  t.equal(seen.adminDeletes, 0, 'the DELETE handler never ran')
})

test('an async delegator picks the policy per request', async (t) => {
  t.equal((await browserFetch(appPage, apiUrl('/tenants/data?tenant=app'), { method: 'PUT' })).ok, true)
  t.equal((await browserFetch(partnerPage, apiUrl('/tenants/data?tenant=partner'), { method: 'PUT' })).ok, true)
  t.equal((await browserFetch(partnerPage, apiUrl('/tenants/data?tenant=app'), { method: 'PUT' })).ok, false)
})

test('origin: true with credentials (tolerated) still refuses a sandboxed iframe (Origin: null)', async (t) => {
  const sandboxed = await openPage(browser, `${appOrigin()}/sandbox`)
  t.equal(await sandboxed.evaluate(() => (window as unknown as { result: Promise<string> }).result), 'blocked')
  t.ok(seen.sandboxOrigins.includes('null'), 'the request reached the server with Origin: null')
  const plain = await openPage(browser, `${appOrigin()}/sandbox-off`)
  t.equal(await plain.evaluate(() => (window as unknown as { result: Promise<string> }).result), 'read:me', 'the same iframe without sandbox is allowed')
})

test('teardown', async () => {
  await browser.close()
  await Promise.all([pages.close(), api.close(), reflectApi.close()])
})
