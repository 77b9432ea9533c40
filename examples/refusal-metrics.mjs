// Counting CORS refusals by reason, for metrics: every decision is published on the
// `fastify-corsica` diagnostics channel (free while nobody subscribes).
// Run: node examples/refusal-metrics.mjs (after npm run build)
import { subscribe } from 'node:diagnostics_channel'
import Fastify from 'fastify'
import corsPlugin from 'fastify-corsica'

const refusals = new Map()
subscribe('fastify-corsica', (decision) => {
  if (!decision.allowed) refusals.set(decision.reason, (refusals.get(decision.reason) ?? 0) + 1)
})

const app = Fastify()
await app.register(corsPlugin, { origin: ['https://app.example.com'], methods: ['GET', 'PUT'] })
app.put('/items/:id', async () => ({ saved: true }))
app.delete('/admin/:id', { config: { cors: false } }, async () => ({ deleted: true }))

const preflight = (url, origin, method) => app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method } })
await preflight('/items/1', 'https://app.example.com', 'PUT')
await preflight('/items/1', 'https://evil.example', 'PUT')
await preflight('/items/1', 'https://app.example.com', 'PATCH')
await preflight('/admin/1', 'https://app.example.com', 'DELETE')
await app.inject({ url: '/items/1', headers: { origin: 'https://evil.example' } })

for (const [reason, count] of [...refusals].sort()) console.log(`${reason}: ${count}`)
