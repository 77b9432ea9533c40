import { test } from 'tap'
import { build, corsHeaders, PARTNER, preflight } from './helpers/app.js'

const COMMAS = ','.repeat(15 * 1024)
const JUNK_ORIGIN = 'https://' + 'a'.repeat(15 * 1024) + '.example'

test('15 KiB of commas in Access-Control-Request-Headers is not reflected', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await preflight(app, '/items', PARTNER, 'GET', COMMAS)
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-headers'], undefined)
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
})

test('a near-miss token list (trailing comma, junk characters) is not reflected', async (t) => {
  const app = await build({ origin: [PARTNER] })
  for (const junk of ['x-a,', ',x-a', 'x-a,,x-b', 'x-a;x-b', 'x-a, <script>', 'x-' + 'a,'.repeat(7000) + ' ']) {
    const res = await preflight(app, '/items', PARTNER, 'GET', junk)
    t.equal(res.headers['access-control-allow-headers'], undefined, junk.slice(0, 20))
  }
})

test('a long but valid token list is reflected whole', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const list = Array.from({ length: 500 }, (_, i) => `x-h${i}`).join(',')
  const res = await preflight(app, '/items', PARTNER, 'GET', list)
  t.equal(res.headers['access-control-allow-headers'], list)
})

test('a 15 KiB junk Origin is neither matched nor reflected, for every origin form', async (t) => {
  for (const origin of [true, [PARTNER], ['https://*.partner.example'], [/^https:\/\/.*\.example$/], ['http://localhost:*']]) {
    const app = await build({ origin })
    const res = await app.inject({ url: '/items', headers: { origin: JUNK_ORIGIN } })
    t.equal(res.statusCode, 200)
    t.same(corsHeaders(res), { vary: 'Origin' }, String(origin))
    const pre = await preflight(app, '/items', JUNK_ORIGIN, 'GET')
    t.equal(pre.statusCode, 403)
  }
})

test('two origins joined by a comma are never allowed', async (t) => {
  const joined = `${PARTNER}, https://evil.example`
  for (const origin of [true, [PARTNER], ['https://*.partner.example'], [/^https:\/\/partner\.example/]]) {
    const app = await build({ origin })
    const res = await app.inject({ url: '/items', headers: { origin: joined } })
    t.equal(res.headers['access-control-allow-origin'], undefined, String(origin))
  }
})

test('junk Origin values are not reflected by origin: true', async (t) => {
  const app = await build({ origin: true })
  for (const junk of ['not an origin', 'https://', 'HTTPS://UPPER.example', 'https://a.example/path', 'javascript:alert(1)', 'https://a.example:99999999']) {
    const res = await app.inject({ url: '/items', headers: { origin: junk } })
    t.equal(res.headers['access-control-allow-origin'], undefined, junk)
  }
})

test('a preflight with junk in Access-Control-Request-Method is refused without echoing it', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await preflight(app, '/items', PARTNER, '\u00ff\u00fe junk')
  t.equal(res.statusCode, 403)
  t.equal(res.body, 'CORS preflight refused: method not allowed')
  t.same(corsHeaders(res), { vary: 'Origin, Access-Control-Request-Headers' })
})
