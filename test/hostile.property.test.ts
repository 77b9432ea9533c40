// Property-based, per request (docs/behaviour.md §3.2–§3.6, the brief's "bad input per request"):
// generated Origin, Access-Control-Request-Method and Access-Control-Request-Headers values (the
// grammar's characters, its near misses and Latin-1 junk, as an HTTP parser hands them over) sent
// as preflights and actual requests to apps of every origin form. Whatever arrives: no 500, an
// Allow-Origin that is '*', absent, or the request's origin only when that origin is a serialized
// origin, and every other CORS header a list of tokens, never an echo of junk.
import { test } from 'tap'
import fc from 'fast-check'
import { build } from './helpers/app.js'
import { SERIALIZED_ORIGIN, TOKEN_LIST } from './helpers/grammar.js'
import { MAX_ORIGIN_LENGTH } from '../src/config/origin.js'

// Characters of the origin and token grammars, their near misses, and Latin-1 beyond ASCII (no CR, LF or NUL: a parser never passes them on).
const CHARS = ['a', 'z', 'A', '0', '9', '.', '-', '_', '~', ':', '/', '[', ']', ',', ' ', '\t', '*', '"', ';', '%', '@', '(', '=', '\u00e9', '\u00ff', '\u0080', '\u007f']
const junk = fc.array(fc.constantFrom(...CHARS), { maxLength: 24 }).map((chars) => chars.join(''))
const originArb = fc.oneof(
  junk,
  fc.tuple(fc.constantFrom('https://', 'http://', 'a+b://', 'HTTPS://', 'https:/', ''), junk, fc.constantFrom('', ':8080', ':', ':99999', '/')).map((parts) => parts.join('')),
  fc.constantFrom('https://app.example', 'https://x.tenant.example', 'http://localhost:5173', 'null', 'https://app.example, https://evil.example')
)
const listArb = fc.oneof(junk, fc.array(fc.constantFrom('content-type', 'x-a', 'X-B', '', ' ', 'x b', 'x;y', '\u00e9'), { maxLength: 5 }).map((items) => items.join(',')))
const methodArb = fc.oneof(junk, fc.constantFrom('PUT', 'put', 'GET', 'DELETE', 'P UT', 'PUT,DELETE', ''))

const CONFIGS: Array<Record<string, unknown>> = [
  { origin: true },
  { origin: ['https://app.example', 'https://*.tenant.example', 'http://localhost:*'], credentials: true, methods: ['GET', 'PUT'] },
  { origin: [/^https:\/\/[a-z]+\.example$/], methods: 'GET,PUT,DELETE', allowedHeaders: ['content-type', 'x-a'] },
  { origin: '*', methods: '*', allowedHeaders: '*' },
  { origin: async (origin: string | undefined) => origin !== undefined && origin.endsWith('.example') },
  { delegator: async () => ({ origin: true, methods: ['PUT'] }) }
]

test('whatever a request carries: no 500, no reflected junk, only token lists in CORS headers (fast-check, seeded)', async (t) => {
  const apps = await Promise.all(CONFIGS.map(async (options) => await build(options)))
  t.teardown(async () => { await Promise.all(apps.map(async (app) => { await app.close() })) })
  let reflected = 0
  let sent = 0
  await fc.assert(fc.asyncProperty(fc.nat(CONFIGS.length - 1), fc.boolean(), originArb, methodArb, fc.option(listArb, { nil: undefined }), async (which, isPreflight, origin, method, requested) => {
    const headers: Record<string, string> = { origin }
    if (isPreflight) headers['access-control-request-method'] = method
    if (requested !== undefined) headers['access-control-request-headers'] = requested
    const res = await apps[which].inject({ method: isPreflight ? 'OPTIONS' : 'PUT', url: '/items/1', headers })
    sent++
    const where = `${JSON.stringify(CONFIGS[which], (_, value) => value instanceof RegExp ? String(value) : value)} ${JSON.stringify(headers)}: ${res.statusCode}`
    if (![200, 204, 400, 403, 404].includes(res.statusCode)) throw new Error(`status: ${where}`)
    const allowOrigin = res.headers['access-control-allow-origin']
    if (allowOrigin !== undefined && allowOrigin !== '*') {
      if (allowOrigin !== origin || !SERIALIZED_ORIGIN.test(origin.toLowerCase()) || origin.length > MAX_ORIGIN_LENGTH) throw new Error(`Allow-Origin ${JSON.stringify(allowOrigin)}: ${where}`)
      reflected++
    }
    for (const name of ['access-control-allow-methods', 'access-control-allow-headers', 'access-control-expose-headers', 'vary']) {
      const value = res.headers[name]
      if (value !== undefined && !TOKEN_LIST.test(String(value))) throw new Error(`${name} ${JSON.stringify(value)}: ${where}`)
    }
  }), { seed: 20261206, numRuns: 3000 })
  t.ok(reflected > sent / 20, `${reflected} of ${sent} responses reflected the origin: the generator reaches it`)
})
