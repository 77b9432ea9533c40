import { test } from 'tap'
import { build, corsHeaders, PARTNER, preflight } from './helpers/app.js'
import { isToken } from '../src/tokens.js'

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

// The grammar as a regular expression (RFC 9110 token, lists joined by OWS "," OWS): the
// reference the one-pass scanner in src/tokens.ts is checked against.
const TOKEN_LIST_GRAMMAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*,[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/

test('Access-Control-Request-Headers is reflected exactly when it is a token list', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const cases = ['x-a', 'x-a,x-b', 'x-a, x-b', 'x-a ,x-b', 'x-a \t, \tx-b', "a!#$%&'*+-.^_`|~9", 'x-a b', ' x-a', 'x-a ', 'x-a,', ',x-a', 'x-a,,x-b', 'x-a, ,x-b', 'x-a;x-b', 'x-é', 'x-a,\tx-b\t', '"x-a"']
  // Plus random strings over the characters that matter, so every state of the scanner is reached.
  let seed = 7
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed }
  const alphabet = ['a', 'Z', '9', '-', '~', ',', ' ', '\t', ';', '(', 'é']
  for (let i = 0; i < 300; i++) cases.push(Array.from({ length: 1 + next() % 8 }, () => alphabet[next() % alphabet.length]).join(''))
  let reflected = 0
  for (const value of cases) {
    const res = await preflight(app, '/items', PARTNER, 'GET', value)
    const expected = TOKEN_LIST_GRAMMAR.test(value) ? value : undefined
    if (expected !== undefined) reflected++
    t.equal(res.headers['access-control-allow-headers'], expected, JSON.stringify(value))
  }
  // Both outcomes are exercised, not only refusals.
  t.ok(reflected >= 10 && reflected < cases.length - 100, `${reflected} of ${cases.length} reflected`)
})

test('method and header names are checked as 1*tchar, the same table the list scanner uses', async (t) => {
  const TOKEN_GRAMMAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
  const cases = ['', 'GET', 'PO ST', 'x-é', 'Bad:Name', "a!#$%&'*+-.^_`|~9", '\u00ff', 'x\t', '(x)']
  let seed = 11
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed }
  const alphabet = ['a', 'Z', '9', '-', '~', ',', ' ', ':', '"', 'é', '\u0100']
  for (let i = 0; i < 200; i++) cases.push(Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join(''))
  let accepted = 0
  for (const value of cases) {
    if (isToken(value)) accepted++
    t.equal(isToken(value), TOKEN_GRAMMAR.test(value), JSON.stringify(value))
  }
  t.ok(accepted >= 10 && accepted < cases.length - 50, `${accepted} of ${cases.length} accepted`)
})
