// Route config: one route for a partner, one with CORS off. Preflights follow the route.
// Run: node examples/route-overrides.mjs (after npm run build)
import Fastify from 'fastify'
import corsPlugin from 'fastify-corsica'

const app = Fastify()
await app.register(corsPlugin, { origin: ['https://app.example.com'], methods: 'auto' })
app.get('/items', async () => [])
app.put('/partner/:id', { config: { cors: { origin: ['https://partner.example'] } } }, async () => ({ ok: true }))
app.delete('/internal/:id', { config: { cors: false } }, async () => {
  throw new Error('never reached from a browser: its preflight is refused')
})
await app.ready()

async function preflight (url, origin, method) {
  const res = await app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method } })
  console.log(`preflight ${method} ${url} from ${origin}: ${res.statusCode} ${res.body || `(allow-methods: ${res.headers['access-control-allow-methods']})`}`)
}
await preflight('/partner/1', 'https://partner.example', 'PUT')
await preflight('/partner/1', 'https://app.example.com', 'PUT')
await preflight('/internal/1', 'https://app.example.com', 'DELETE')
await app.close()
