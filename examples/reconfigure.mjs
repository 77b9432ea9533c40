// Allowed origins kept in a store (simulated here: a tenant adds a domain every refresh), reloaded
// every few seconds and swapped in at runtime: validated first, compiled once, atomic.
// Run: node examples/reconfigure.mjs (after npm run build). REFRESH_MS and REFRESHES to change it.
import Fastify from 'fastify'
import corsPlugin, { createCorsHandle } from 'fastify-corsica'

const REFRESH_MS = Number(process.env.REFRESH_MS ?? 3000)
const REFRESHES = Number(process.env.REFRESHES ?? 3)

// The store: in a real app a database table of customer domains.
const store = ['https://app.example.com']
const loadOrigins = async () => [...store]

const cors = createCorsHandle()
const app = Fastify()
await app.register(corsPlugin, { origin: await loadOrigins(), credentials: true, allowedHeaders: ['Content-Type'], handle: cors })
app.get('/items', async () => ['a', 'b'])
await app.ready()

const show = async (label) => {
  const results = []
  for (const origin of ['https://app.example.com', 'https://shop.example.net', 'https://blog.example.org']) {
    const res = await app.inject({ url: '/items', headers: { origin } })
    results.push(`${new URL(origin).hostname}=${res.headers['access-control-allow-origin'] === undefined ? 'no' : 'yes'}`)
  }
  console.log(`${label}: ${results.join(' ')}`)
}

await show('start')
const newDomains = ['https://shop.example.net', 'not an origin', 'https://blog.example.org']
let refreshes = 0
const timer = setInterval(async () => {
  store.push(newDomains[refreshes])
  try {
    cors.reconfigure({ ...cors.options, origin: await loadOrigins() })
    await show(`refresh ${refreshes + 1}`)
  } catch (error) {
    // Invalid data in the store: the running policy stays, and the error says what is wrong.
    console.log(`refresh ${refreshes + 1}: kept the previous origins (${error.code}: ${error.issues.map((issue) => issue.message).join('; ')})`)
    store.pop()
  }
  if (++refreshes === REFRESHES) {
    clearInterval(timer)
    await app.close()
  }
}, REFRESH_MS)
