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
