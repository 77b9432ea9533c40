// Plain options: an origin list with a wildcard subdomain, credentials, exposed headers.
// Run: node examples/basic.mjs (after npm run build)
import Fastify from 'fastify'
import corsPlugin from 'fastify-corsica'

const app = Fastify()
await app.register(corsPlugin, {
  origin: ['https://app.example.com', 'https://*.preview.example.com'],
  credentials: true,
  methods: ['GET', 'POST', 'PUT'],
  allowedHeaders: ['Content-Type', 'Authorization'],
  exposedHeaders: ['X-Total-Count'],
  maxAge: 600
})
app.get('/items', async (_request, reply) => {
  reply.header('x-total-count', '2')
  return ['a', 'b']
})
await app.ready()

for (const origin of ['https://app.example.com', 'https://pr-12.preview.example.com', 'https://evil.example']) {
  const res = await app.inject({ url: '/items', headers: { origin } })
  console.log(`GET /items from ${origin}: ACAO=${res.headers['access-control-allow-origin'] ?? '(none)'}`)
}
const preflight = await app.inject({
  method: 'OPTIONS',
  url: '/items',
  headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' }
})
console.log(`preflight PUT: ${preflight.statusCode}, methods=${preflight.headers['access-control-allow-methods']}, headers=${preflight.headers['access-control-allow-headers']}`)
await app.close()
