import { test } from 'tap'
import { runNode } from './helpers/node.js'

test('examples/basic.mjs runs as it is and shows allowed, wildcard and denied origins', async (t) => {
  t.equal(runNode(['examples/basic.mjs']), [
    'GET /items from https://app.example.com: ACAO=https://app.example.com',
    'GET /items from https://pr-12.preview.example.com: ACAO=https://pr-12.preview.example.com',
    'GET /items from https://evil.example: ACAO=(none)',
    'preflight PUT: 204, methods=GET, POST, PUT, headers=Content-Type, Authorization'
  ].join('\n'))
})

test('examples/route-overrides.mjs runs as it is and shows preflights following the route', async (t) => {
  t.equal(runNode(['examples/route-overrides.mjs']), [
    'preflight PUT /partner/1 from https://partner.example: 204 (allow-methods: PUT)',
    'preflight PUT /partner/1 from https://app.example.com: 403 CORS preflight refused: origin not allowed',
    'preflight DELETE /internal/1 from https://app.example.com: 403 CORS preflight refused: CORS is disabled for this route'
  ].join('\n'))
})

test('examples/delegator.mjs runs as it is and applies each tenant its own options', async (t) => {
  t.equal(runNode(['examples/delegator.mjs']), [
    'acme.api.test from https://acme.example: ACAO=https://acme.example ACAC=true',
    'globex.api.test from https://eu.globex.example: ACAO=https://eu.globex.example ACAC=(none)',
    'acme.api.test from https://globex.example: ACAO=(none) ACAC=(none)',
    'unknown.api.test from https://acme.example: ACAO=(none) ACAC=(none)'
  ].join('\n'))
})

test('the demo takes a free port when the one asked for is taken, says so, and serves a favicon', async (t) => {
  const { createServer } = await import('node:net')
  const { spawn } = await import('node:child_process')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { blocker.close() })
  const taken = (blocker.address() as { port: number }).port
  const env: NodeJS.ProcessEnv = { ...process.env, PAGE_PORT: String(taken), API_PORT: '0' }
  delete env.NODE_V8_COVERAGE
  delete env.NODE_OPTIONS
  const child = spawn(process.execPath, ['examples/demo/server.mjs'], { env })
  t.teardown(() => { child.kill() })
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => { err += String(chunk) })
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => { out += String(chunk); if (out.includes('API:')) resolve() }))
  t.equal(err, `Port ${taken} (web page) is taken; using a free port instead. Set PAGE_PORT to choose one.\n`)
  const page = /web page: (http:\/\/localhost:\d+\/)/.exec(out)?.[1] as string
  t.not(page, `http://localhost:${taken}/`)
  t.match(out, /The API's CORS policies, as app\.printCorsPolicies\(\) prints them:\n/)
  t.match(out, / {2}DELETE \/api\/internal\/:id {2}\[cors: false\]\n {4}CORS off: no CORS headers, preflights refused\n/)
  const favicon = await fetch(new URL('/favicon.ico', page.replace('localhost', '127.0.0.1')))
  t.equal(favicon.status, 204)
})

test('examples/reconfigure.mjs refreshes the allowed origins from its store, keeping the old ones when the store holds junk', async (t) => {
  t.equal(runNode(['-e', "process.env.REFRESH_MS = '20'; import('./examples/reconfigure.mjs')"]), [
    'start: app.example.com=yes shop.example.net=no blog.example.org=no',
    'refresh 1: app.example.com=yes shop.example.net=yes blog.example.org=no',
    "refresh 2: kept the previous origins (FST_CORS_INVALID_OPTIONS: \"not an origin\" is not an origin; an origin is scheme://host[:port] only, e.g. 'https://app.example.com')",
    'refresh 3: app.example.com=yes shop.example.net=yes blog.example.org=yes'
  ].join('\n'))
})
