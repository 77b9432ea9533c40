import { test } from 'tap'
import { build, corsHeaders, PARTNER, preflight } from './helpers/app.js'
import { isToken, isTokenList } from '../src/config/tokens.js'
import { compileStaticOrigin, isReflectable, MAX_ORIGIN_LENGTH } from '../src/config/origin.js'
import { SERIALIZED_ORIGIN, TOKEN, TOKEN_LIST } from './helpers/grammar.js'

const COMMAS = ','.repeat(15 * 1024)
const JUNK_ORIGIN = 'https://' + 'a'.repeat(15 * 1024) + '.example'

test('15 KiB of commas in Access-Control-Request-Headers is not reflected', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const res = await preflight(app, '/items', PARTNER, 'GET', COMMAS)
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-headers'], undefined)
  t.equal(res.headers['access-control-allow-origin'], PARTNER)
})

test('a requested header list with junk characters is not reflected', async (t) => {
  const app = await build({ origin: [PARTNER] })
  for (const junk of ['x-a;x-b', 'x-a, <script>', 'x-a,\u00e9', 'x-a, x b']) {
    const res = await preflight(app, '/items', PARTNER, 'GET', junk)
    t.equal(res.statusCode, 204, junk)
    t.equal(res.headers['access-control-allow-headers'], undefined, junk)
  }
})

test('empty list elements in Access-Control-Request-Headers are ignored (RFC 9110 §5.6.1), the tokens reflected', async (t) => {
  const app = await build({ origin: [PARTNER] })
  const cases: Array<[string, string | undefined]> = [
    ['x-a,', 'x-a'], [',x-a', 'x-a'], ['x-a,,x-b', 'x-a,x-b'], [' x-a , , x-b ,', 'x-a,x-b'], ['', undefined], [' , ', undefined],
    ['x-' + 'a,'.repeat(7000) + ' ', 'x-a' + ',a'.repeat(6999)]
  ]
  for (const [requested, reflected] of cases) {
    const res = await preflight(app, '/items', PARTNER, 'GET', requested)
    t.equal(res.statusCode, 204, JSON.stringify(requested.slice(0, 20)))
    t.equal(res.headers['access-control-allow-headers'], reflected, JSON.stringify(requested.slice(0, 20)))
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

// TOKEN_LIST (tokens joined by OWS "," OWS) is the reference the one-pass scanner in src/tokens.ts is checked against.

/** The reference for lists with empty elements: elements trimmed of OWS, empty ones dropped, all tokens, joined by ','. */
function withoutEmptyElements (value: string): string | undefined {
  const names = value.split(',').map((item) => item.replace(/^[ \t]+|[ \t]+$/g, '')).filter((item) => item !== '')
  return names.length > 0 && names.every((name) => TOKEN.test(name)) ? names.join(',') : undefined
}

test('Access-Control-Request-Headers is reflected as is when it is a token list, without its empty elements when it has some', async (t) => {
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
    const expected = TOKEN_LIST.test(value) ? value : withoutEmptyElements(value)
    if (expected !== undefined) reflected++
    t.equal(res.headers['access-control-allow-headers'], expected, JSON.stringify(value))
  }
  // Both outcomes are exercised, not only refusals.
  t.ok(reflected >= 10 && reflected < cases.length - 100, `${reflected} of ${cases.length} reflected`)
})

test('token lists are judged the same whatever came before them', (t) => {
  // Near misses of a list right after it was accepted, in both directions.
  const valid = 'content-type,x-request-id'
  const sequence: Array<[string, boolean]> = [
    [valid, true], [valid + ',', false], [valid, true], [valid.slice(0, -1) + ';', false], ['content-type, x-request-id', true],
    [valid, true], [' ' + valid, false], [valid + ' ', false], ['', false], [valid, true], [valid.toUpperCase(), true], ['x-a,,x-b', false]
  ]
  for (const [value, expected] of sequence) t.equal(isTokenList(value), expected, JSON.stringify(value))
  // A long list too.
  const long = Array.from({ length: 100 }, (_, i) => `x-h${i}`).join(',')
  t.equal(isTokenList(long), true)
  t.equal(isTokenList(long + ','), false)
  t.equal(isTokenList(long), true)
  t.end()
})

test('method and header names are checked as 1*tchar, the same table the list scanner uses', async (t) => {
  const cases = ['', 'GET', 'PO ST', 'x-é', 'Bad:Name', "a!#$%&'*+-.^_`|~9", '\u00ff', 'x\t', '(x)']
  let seed = 11
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed }
  const alphabet = ['a', 'Z', '9', '-', '~', ',', ' ', ':', '"', 'é', '\u0100']
  for (let i = 0; i < 200; i++) cases.push(Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join(''))
  let accepted = 0
  for (const value of cases) {
    if (isToken(value)) accepted++
    t.equal(isToken(value), TOKEN.test(value), JSON.stringify(value))
  }
  t.ok(accepted >= 10 && accepted < cases.length - 50, `${accepted} of ${cases.length} accepted`)
})

// SERIALIZED_ORIGIN is the reference the one-pass scanner in src/origin.ts (used by origin: true
// and by patterns and RegExps) is checked against.

test('origins are scanned as the serialized-origin grammar, host bounds included', async (t) => {
  const cases = ['', 'https://a.example', 'http://[::1]:8080', 'https://', 'https://:443', 'https://[]', 'https://[::1', 'http://[::1]x',
    'https://a.example:', 'https://a.example:123456', 'a+b.c-d://x', '1a://x', 'https:/a', 'https:a', 'https//a', 'https://a_b~c.example',
    'https://A.example', 'https://a.example/', 'https://a.example, https://b.example', 'https://' + 'a'.repeat(MAX_ORIGIN_LENGTH)]
  // Plus strings built from pieces that reach every state of the scanner.
  let seed = 13
  // The high bits: a power-of-two LCG's low bits repeat with a short period.
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) }
  const pick = <T>(items: T[]): T => items[next() % items.length]
  const schemes = ['https://', 'https://', 'http://', 'a+b.c-d://', 'ws://', 'H://', '1a://', 'https:/', 'https:', '', 'h t://']
  const hostChars = ['a', 'z', '0', '9', '.', '-', '_', '~']
  const ipv6Chars = ['0', 'f', ':', '.']
  const junkChars = ['g', ':', '[', ']', 'A', ' ', ',', '/', 'é']
  const ports = ['', '', ':', ':1', ':8080', ':12345', ':123456', ':a', '::1', '/']
  for (let i = 0; i < 400; i++) {
    const ipv6 = next() % 4 === 0
    const host = Array.from({ length: next() % 7 }, () => pick(next() % 10 === 0 ? junkChars : ipv6 ? ipv6Chars : hostChars)).join('')
    cases.push(pick(schemes) + (ipv6 ? `[${host}]` : host) + pick(ports))
  }
  let accepted = 0
  for (const value of cases) {
    const expected = value.length <= MAX_ORIGIN_LENGTH && SERIALIZED_ORIGIN.test(value)
    // Asked twice, and for a near miss right after, it answers as the grammar does.
    t.equal(isReflectable(value), expected, `${JSON.stringify(value)}: reflectable`)
    t.equal(isReflectable(value), expected, `${JSON.stringify(value)}: reflectable, asked again`)
    t.equal(isReflectable(value + ' '), false, `${JSON.stringify(value)} and a space`)
    if (expected) accepted++
  }
  t.ok(accepted >= 40 && accepted < cases.length - 100, `${accepted} of ${cases.length} accepted`)
})

test('origin: true reflects only what the scanner accepts', async (t) => {
  const app = await build({ origin: true })
  for (const [origin, reflected] of [['http://[::1]:8080', true], ['https://a_b~c.example', true], ['https://a.example:', false], ['https://[]', false], ['a+b://x', true]] as const) {
    const res = await app.inject({ url: '/items', headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], reflected ? origin : undefined, origin)
  }
})

test('wildcard patterns match exactly what their grammar allows, junk included', async (t) => {
  const { rule } = compileStaticOrigin(['https://*.example.com', 'http://localhost:*', 'http://[::1]:*', 'http://*.example.com:8080'], 'origin')
  if (rule.kind !== 'match') throw new Error('a list compiles to a matcher')
  // The same patterns as regular expressions over the serialized-origin grammar (labels non-empty;
  // a port is 1 to 65535 without leading zeros, never http's default 80, which browsers elide).
  const PORT = '(?!80$)(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])'
  const reference = [
    /^https:\/\/(?:[a-z0-9_~-]+\.)+example\.com$/,
    new RegExp(`^http://localhost:${PORT}$`),
    new RegExp(`^http://\\[::1\\]:${PORT}$`),
    /^http:\/\/(?:[a-z0-9_~-]+\.)+example\.com:8080$/
  ]
  const cases = ['https://a.example.com', 'https://a.b.example.com', 'https://.example.com', 'https://a..example.com', 'https://a.example.com.',
    'https://example.com', 'https://a.example.com:443', 'http://localhost:3000', 'http://localhost', 'http://localhost:', 'http://[::1]:5173',
    'http://[::1]', 'http://[::2]:80', 'http://a.example.com:8080', 'http://a.example.com', 'https://a,b.example.com', 'https://A.example.com',
    'https://a.example.com, https://b.example.com', 'https://x.' + 'a'.repeat(MAX_ORIGIN_LENGTH) + '.example.com', 'https://a_b~c.example.com']
  let seed = 17
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) }
  const pick = <T>(items: T[]): T => items[next() % items.length]
  // Origins built to match one of the patterns, half of them then broken by one character.
  const shapes = [
    (): string => `https://${pick(['a', 'b-1', 'x_y', 'a.b'])}.example.com`,
    (): string => `http://localhost:${pick(['3000', '80', '65535', '65536', '99999', '0', '080', '03000', '123456', ''])}`,
    (): string => `http://[${pick(['::1', '::2', '::1:', ''])}]:${pick(['5173', '1', '0', '80', '070000'])}`,
    (): string => `http://${pick(['a', 'a.b'])}.example.com:${pick(['8080', '8081'])}`
  ]
  const junk = ['.', ':', '/', 'A', ',', ' ', '[', ']', 'é', '']
  for (let i = 0; i < 500; i++) {
    const origin = pick(shapes)()
    const at = next() % (origin.length + 1)
    cases.push(next() % 2 === 0 ? origin : origin.slice(0, at) + pick(junk) + origin.slice(at + next() % 2))
  }
  let matched = 0
  for (const origin of cases) {
    const expected = origin.length <= MAX_ORIGIN_LENGTH && reference.some((re) => re.test(origin))
    if (expected) matched++
    t.equal(rule.matches(origin), expected, JSON.stringify(origin))
  }
  t.ok(matched >= 40 && matched < cases.length - 100, `${matched} of ${cases.length} matched`)
})
