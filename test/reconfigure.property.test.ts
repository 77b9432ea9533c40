// Differential, property-based (docs/behaviour.md §8): an app registered with some options and then
// reconfigured, one or more times, answers every request exactly as an app registered with the
// last options from the start: status, body, Content-Type and every CORS header, on routes with
// their own config.cors, cors: false and none, for preflights and actual requests.
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from './helpers/fastify.js'
import { type FastifyInstance } from 'fastify'
import corsPlugin, { type CorsHandle } from '../src/index.js'
import { corsHeaders } from './helpers/app.js'

// Reconfigurations warn like registrations (e.g. a public route without credentials): not printed.
process.removeAllListeners('warning')

const A = 'https://a.example'
const B = 'https://b.sub.example'
const C = 'http://localhost:5173'

// Valid options only: each draw is a complete option set (a reconfiguration replaces, never merges).
const optionsArb = fc.record({
  origin: fc.constantFrom<unknown>([A], [A, B], ['https://*.sub.example'], [/^https:\/\/[a-z]+\.example$/], [C, 'http://localhost:*'], false,
    async (origin: string | undefined) => origin === B),
  credentials: fc.boolean(),
  methods: fc.constantFrom<unknown>(undefined, 'GET,PUT', ['GET', 'DELETE'], 'auto'),
  allowedHeaders: fc.constantFrom<unknown>(undefined, 'Content-Type', ['x-a', 'x-b']),
  exposedHeaders: fc.constantFrom<unknown>(undefined, 'X-Total'),
  maxAge: fc.constantFrom<unknown>(undefined, 0, 600),
  strictPreflight: fc.boolean(),
  optionsSuccessStatus: fc.constantFrom<unknown>(undefined, 200)
}, { requiredKeys: ['origin'] }).map((options) => Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)))
const delegatedArb = fc.oneof(
  { arbitrary: optionsArb, weight: 4 },
  { arbitrary: optionsArb.map((options) => ({ ...options, delegator: async (request: { headers: Record<string, unknown> }) => request.headers['x-tenant'] === 'b' ? { origin: [B] } : {} })), weight: 1 }
)

async function appWith (options: Record<string, unknown>, handle?: CorsHandle): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(corsPlugin, handle === undefined ? options : { ...options, handle })
  app.get('/items', async () => ({ items: [] }))
  app.put('/items/:id', async () => ({ ok: true }))
  app.delete('/items/:id', async () => ({ deleted: true }))
  app.put('/partner/:id', { config: { cors: { origin: [B], methods: 'PUT', maxAge: 5 } } }, async () => 'partner')
  app.delete('/off/:id', { config: { cors: false } }, async () => 'off')
  await app.ready()
  return app
}

const REQUESTS = ['/items', '/items/1', '/partner/1', '/off/1', '/nowhere'].flatMap((url) => [A, B, C, 'https://evil.example'].flatMap((origin) => [
  { method: 'GET', url, headers: { origin } },
  { method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-a' } },
  { method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'DELETE', 'x-tenant': 'b' } },
  { method: 'OPTIONS', url, headers: { origin } }
]))

test('a reconfigured app answers every request as an app registered with the last options (fast-check, seeded)', async (t) => {
  let compared = 0
  await fc.assert(fc.asyncProperty(fc.array(delegatedArb, { minLength: 2, maxLength: 4 }), async (sequence) => {
    const handle = corsPlugin.createCorsHandle()
    const reconfigured = await appWith(sequence[0], handle)
    for (const next of sequence.slice(1)) handle.reconfigure(next)
    const fresh = await appWith(sequence[sequence.length - 1])
    try {
      for (const request of REQUESTS) {
        const [ours, reference] = await Promise.all([reconfigured, fresh].map(async (app) => await app.inject(request as never)))
        const seen = (res: typeof ours): object => ({ status: res.statusCode, body: res.body, type: res.headers['content-type'], cors: corsHeaders(res) })
        compared++
        if (JSON.stringify(seen(ours)) !== JSON.stringify(seen(reference))) {
          throw new Error(`${request.method} ${request.url} ${JSON.stringify(request.headers)}\n  reconfigured ${JSON.stringify(seen(ours))}\n  fresh        ${JSON.stringify(seen(reference))}`)
        }
      }
    } finally {
      await Promise.all([reconfigured.close(), fresh.close()])
    }
  }), { seed: 20261206, numRuns: 150 })
  t.ok(compared >= 150 * REQUESTS.length, `${compared} responses compared`)
})
