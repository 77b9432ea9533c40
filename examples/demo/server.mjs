// npm run demo: an API using fastify-corsica and a web page on another origin, with one
// button per CORS scenario. The API keeps its recent CORS refusals (the plugin's debug
// explanations) on a demo-only endpoint so the page can show why the browser said no.
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import corsPlugin from 'fastify-corsica'

const PAGE = await readFile(new URL('./page.html', import.meta.url), 'utf8')

/** Listens on `port`; when it is taken, says so and takes a free port instead. */
async function listen (app, port, name, variable) {
  try {
    await app.listen({ host: '127.0.0.1', port })
  } catch (error) {
    if (error.code !== 'EADDRINUSE' || port === 0) throw error
    process.stderr.write(`Port ${port} (${name}) is taken; using a free port instead. Set ${variable} to choose one.\n`)
    await app.listen({ host: '127.0.0.1', port: 0 })
  }
}

/** Starts the API and the page server on 127.0.0.1; ports 0 pick free ones. */
export async function startDemo ({ apiPort = 0, pagePort = 0, quiet = false } = {}) {
  // The page server needs the API's origin and the API needs the page's: routes read it when serving.
  let apiOrigin = ''
  const pages = Fastify()
  pages.get('/', async (_request, reply) => reply.type('text/html').send(PAGE.replaceAll('__API__', apiOrigin)))
  // Loaded from http://127.0.0.1:PORT, an origin the API does not allow.
  pages.get('/denied-frame', async (_request, reply) => reply.type('text/html').send(`<!doctype html><script>
    fetch(${JSON.stringify(`${apiOrigin}/api/items`)}).then((r) => r.text()).then(
      (body) => parent.postMessage({ allowed: true, detail: body }, '*'),
      (error) => parent.postMessage({ allowed: false, detail: String(error) }, '*'))
  </script>`))
  // An empty favicon, so the browser's console shows no 404.
  pages.get('/favicon.ico', async (_request, reply) => reply.code(204).send())
  await listen(pages, pagePort, 'web page', 'PAGE_PORT')
  const page = pages.server.address().port
  const pageOrigin = `http://localhost:${page}`

  const decisions = []
  let nextId = 1
  const api = Fastify({
    logger: {
      level: 'debug',
      stream: {
        write (raw) {
          const line = JSON.parse(raw)
          if (line.cors === undefined) return
          decisions.push({ id: nextId++, ...line.cors, explanation: line.msg })
          if (decisions.length > 50) decisions.shift()
          if (!quiet) process.stdout.write(`[cors] ${line.msg}\n`)
        }
      }
    }
  })
  await api.register(corsPlugin, {
    origin: [pageOrigin, `http://*.localhost:${page}`],
    credentials: true,
    methods: ['GET', 'POST', 'PUT'],
    allowedHeaders: ['Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id'],
    maxAge: 600
  })
  api.get('/api/items', async () => ({ items: ['apple', 'pear'] }))
  api.post('/api/login', async (_request, reply) => {
    reply.header('set-cookie', 'demo_session=hello-from-the-api; Path=/; HttpOnly; SameSite=Lax')
    return { loggedIn: true }
  })
  api.get('/api/me', async (request) => ({ cookieTheApiReceived: request.headers.cookie ?? null }))
  api.put('/api/items/:id', async (request, reply) => {
    reply.header('x-request-id', request.headers['x-request-id'] ?? 'none')
    return { updated: request.params.id }
  })
  // Route override: only a partner site may call this one.
  api.get('/api/partner-report', { config: { cors: { origin: ['https://partner.example'] } } }, async () => ({ report: 'partners only' }))
  // CORS off: same-origin callers only; a cross-origin DELETE never reaches the handler.
  let internalDeletes = 0
  api.delete('/api/internal/:id', { config: { cors: false } }, async () => { internalDeletes++; return { deleted: true } })
  api.get('/demo/decisions', async (request) => {
    const since = Number(request.query.since ?? 0)
    return { latest: nextId - 1, internalDeletes, decisions: decisions.filter((d) => d.id > since) }
  })
  await listen(api, apiPort, 'API', 'API_PORT')
  apiOrigin = `http://localhost:${api.server.address().port}`

  return {
    pageUrl: `${pageOrigin}/`,
    apiOrigin,
    deniedFrameUrl: `http://127.0.0.1:${page}/denied-frame`,
    internalDeletes: () => internalDeletes,
    policies: () => api.printCorsPolicies(),
    close: () => Promise.all([api.close(), pages.close()])
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const demo = await startDemo({ apiPort: Number(process.env.API_PORT ?? 3001), pagePort: Number(process.env.PAGE_PORT ?? 3000) })
  process.stdout.write(`fastify-corsica demo
  web page: ${demo.pageUrl}   (open it in a browser)
  API:      ${demo.apiOrigin}

The API's CORS policies, as app.printCorsPolicies() prints them:
${demo.policies().replace(/^/gm, '  ').trimEnd()}

Refusals are explained below as they happen. Ctrl-C stops everything.
`)
  process.on('SIGINT', () => { demo.close().then(() => process.exit(0)) })
  process.on('SIGTERM', () => { demo.close().then(() => process.exit(0)) })
}
