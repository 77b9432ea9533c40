// Per-request options: an async lookup of the tenant's allowed origins. Policies are cached
// by the identity of the returned object, so each tenant's options compile once.
// Run: node examples/delegator.mjs (after npm run build)
import Fastify from 'fastify'
import corsPlugin from 'fastify-corsica'

const tenants = new Map([
  ['acme', { origin: ['https://acme.example'], credentials: true }],
  ['globex', { origin: ['https://globex.example', 'https://*.globex.example'] }]
])
const closed = { origin: false }

async function lookupTenant (hostname) {
  await new Promise((resolve) => setTimeout(resolve, 1)) // stands in for a database or cache
  return tenants.get(hostname.split('.')[0]) ?? closed
}

const app = Fastify()
await app.register(corsPlugin, { delegator: (request) => lookupTenant(request.hostname) })
app.get('/data', async () => ({ ok: true }))
await app.ready()

for (const [host, origin] of [['acme.api.test', 'https://acme.example'], ['globex.api.test', 'https://eu.globex.example'], ['acme.api.test', 'https://globex.example'], ['unknown.api.test', 'https://acme.example']]) {
  const res = await app.inject({ url: '/data', headers: { host, origin } })
  console.log(`${host} from ${origin}: ACAO=${res.headers['access-control-allow-origin'] ?? '(none)'} ACAC=${res.headers['access-control-allow-credentials'] ?? '(none)'}`)
}
await app.close()
