import { test } from 'tap'
import { build } from './helpers/app.js'

async function allowed (origin: unknown, requestOrigin: string): Promise<boolean> {
  const app = await build({ origin })
  const res = await app.inject({ url: '/items', headers: { origin: requestOrigin } })
  await app.close()
  return res.headers['access-control-allow-origin'] === requestOrigin
}

test('https://*.example.com matches one or more subdomain labels over https', async (t) => {
  for (const origin of ['https://a.example.com', 'https://a.b.example.com', 'https://x-1.example.com']) {
    t.equal(await allowed('https://*.example.com', origin), true, origin)
  }
})

test('https://*.example.com never matches the apex, look-alikes, other schemes or ports', async (t) => {
  for (const origin of [
    'https://example.com', 'https://evilexample.com', 'https://a.evilexample.com', 'https://example.com.evil.test',
    'http://a.example.com', 'https://a.example.com:8443', 'https://.example.com', 'https://a..example.com',
    'https://A.example.com', 'https://[::1]', 'https://a.example.co'
  ]) {
    t.equal(await allowed('https://*.example.com', origin), false, origin)
  }
})

test('a pattern may name a port, and then only that port matches', async (t) => {
  t.equal(await allowed('http://*.example.test:8080', 'http://api.example.test:8080'), true)
  t.equal(await allowed('http://*.example.test:8080', 'http://api.example.test'), false)
  t.equal(await allowed('http://*.example.test:8080', 'http://api.example.test:8081'), false)
  t.equal(await allowed('https://*.example.com:443', 'https://a.example.com'), true, 'the default port is dropped')
})

test('http://localhost:* matches any port on that host only', async (t) => {
  for (const origin of ['http://localhost:3000', 'http://localhost:5173']) t.equal(await allowed('http://localhost:*', origin), true, origin)
  for (const origin of ['https://localhost:3000', 'http://localhost.evil:3000', 'http://a.localhost:3000']) t.equal(await allowed('http://localhost:*', origin), false, origin)
  t.equal(await allowed(['http://localhost:*'], 'http://localhost'), false, 'a port wildcard needs a port')
})

test("a pattern base may end in a dot or hold '_' and '~', as hosts browsers send", async (t) => {
  t.equal(await allowed('https://*.example.com.', 'https://a.example.com.'), true)
  t.equal(await allowed('https://*.example.com.', 'https://a.example.com'), false)
  t.equal(await allowed('https://*.a_b~c.example', 'https://x.a_b~c.example'), true)
})

test('a port wildcard on an IPv6 literal matches that address on any port', async (t) => {
  t.equal(await allowed('http://[::1]:*', 'http://[::1]:3000'), true)
  t.equal(await allowed('http://[::1]:*', 'http://[::1]'), false, 'a port wildcard needs a port')
  t.equal(await allowed('http://[::1]:*', 'http://[::2]:3000'), false)
  t.equal(await allowed('http://[::1]:*', 'https://[::1]:3000'), false)
})

test('https://*.example.com:* matches subdomains on any port', async (t) => {
  t.equal(await allowed('https://*.example.com:*', 'https://a.example.com:8443'), true)
  t.equal(await allowed('https://*.example.com:*', 'https://a.example.com'), true)
  t.equal(await allowed('https://*.example.com:*', 'http://a.example.com:8443'), false)
})

test('*.localhost is allowed as a pattern base', async (t) => {
  t.equal(await allowed('http://*.localhost:*', 'http://app.localhost:3000'), true)
})

test('patterns sharing a base domain are all consulted', async (t) => {
  const origin = ['http://*.example.com:8080', 'https://*.example.com']
  t.equal(await allowed(origin, 'https://a.example.com'), true)
  t.equal(await allowed(origin, 'http://a.example.com:8080'), true)
  t.equal(await allowed(origin, 'http://a.example.com'), false)
})

test('a wildcard pattern with an IDN base matches its punycode form', async (t) => {
  t.equal(await allowed('https://*.bücher.example', 'https://shop.xn--bcher-kva.example'), true)
})

test('1,000 listed origins and 50 patterns are all matched', async (t) => {
  const exact = Array.from({ length: 1000 }, (_, i) => `https://app${i}.example`)
  const patterns = Array.from({ length: 50 }, (_, i) => `https://*.tenant${i}.example`)
  const app = await build({ origin: [...exact, ...patterns] })
  for (const origin of ['https://app0.example', 'https://app999.example', 'https://x.tenant0.example', 'https://y.tenant49.example']) {
    const res = await app.inject({ url: '/items', headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], origin, origin)
  }
  const res = await app.inject({ url: '/items', headers: { origin: 'https://x.tenant50.example' } })
  t.equal(res.headers['access-control-allow-origin'], undefined)
})

test('one server answers a sequence of origins the same as fresh servers do', async (t) => {
  for (const origin of [['https://*.example.com', 'http://localhost:*'], ['https://*.example.com', 'https://exact.example', 'http://localhost:*']]) {
    const app = await build({ origin })
    const sequence: Array<[string, boolean]> = [
      ['https://a.example.com', true],
      ['https://a.example.com', true], // the same origin again
      ['https://b.example.com', true],
      ['https://a.example.co', false], // a near miss right after a match
      ['https://a.example.com', true],
      ['http://a.example.com', false],
      ['https://A.example.com', false],
      ['http://localhost:3000', true],
      ['http://localhost:3000', true],
      ['http://localhost', false],
      ['https://a.example.com', true]
    ]
    for (const [requestOrigin, expected] of sequence) {
      const res = await app.inject({ url: '/items', headers: { origin: requestOrigin } })
      t.equal(res.headers['access-control-allow-origin'], expected ? requestOrigin : undefined, `${JSON.stringify(origin)}: ${requestOrigin}`)
      t.equal(await allowed(origin, requestOrigin), expected, `fresh server: ${requestOrigin}`)
    }
    await app.close()
  }
})
