// One benchmark server per process: `node server.mjs <implementation> <scenario>`.
// Prints the port on stdout once it listens on 127.0.0.1.
import Fastify from 'fastify'
import { SCENARIOS } from './scenarios.mjs'

const [implementation, scenarioName] = process.argv.slice(2)
// Both plugins are loaded before the app is created, as static imports would be, except under
// 'corsica-import', where fastify-corsica is loaded by app.register(import(...)) once the app exists.
const fastifyCors = (await import('@fastify/cors')).default
const corsPlugin = implementation === 'corsica-import' ? null : (await import('fastify-corsica')).default
const scenario = SCENARIOS[scenarioName]
if (scenario === undefined) throw new Error(`unknown scenario ${scenarioName}`)

const app = Fastify({ logger: false })
const options = scenario.options()
const override = { origin: ['https://override.example'], methods: ['PUT'], maxAge: 60 }

switch (implementation) {
  case 'bare':
    // Without CORS, an empty OPTIONS answer is the baseline for preflights.
    app.options('*', async (_request, reply) => reply.code(204).send())
    break
  case 'hand':
    // The floor: route-level hooks with every header hard-coded, as a developer would write them by hand.
    break
  case 'fastify-cors':
    await app.register(fastifyCors, scenario.fastifyCorsOptions?.() ?? options)
    break
  case 'corsica':
    await app.register(corsPlugin, options)
    break
  case 'corsica-import':
    await app.register(import('fastify-corsica'), options)
    break
  case 'corsica-3':
    // The large-list scenarios' baseline: the same options with a list of 3 that allows the same origin.
    await app.register(corsPlugin, scenario.threeOptions?.() ?? { ...options, origin: scenario.threeOrigins })
    break
  default:
    throw new Error(`unknown implementation ${implementation}`)
}

const overrideConfig = implementation === 'bare' || implementation === 'hand' ? {} : { cors: override }
if (implementation === 'hand') {
  const allowed = scenario.handPatternBases === undefined ? new Set(scenario.handOrigins) : handPatterns(scenario.handPatternBases)
  const itemsHook = scenario.handAsync === true
    ? handWrittenAsync(scenario.handAllowed ?? options.origin, 'GET, POST, PUT, DELETE', '600')
    : handWritten(allowed, 'GET, POST, PUT, DELETE', '600')
  app.get('/items', { onRequest: itemsHook }, async () => ({ ok: true }))
  app.put('/items', { onRequest: itemsHook }, async () => ({ ok: true }))
  const overrideHook = handWritten(new Set(override.origin), 'PUT', String(override.maxAge))
  app.get('/override', { onRequest: overrideHook }, async () => ({ ok: true }))
  app.put('/override', { onRequest: overrideHook }, async () => ({ ok: true }))
  // Preflights land on a catch-all, as in bare Fastify and both plugins, and take the hook of their path.
  const preflightHook = (request, reply, done) => (request.url === '/override' ? overrideHook : itemsHook)(request, reply, done)
  app.options('*', { onRequest: preflightHook }, async () => '')
} else {
  app.get('/items', async () => ({ ok: true }))
  app.put('/items', async () => ({ ok: true }))
  app.get('/override', { config: overrideConfig }, async () => ({ ok: true }))
  app.put('/override', { config: overrideConfig }, async () => ({ ok: true }))
}

// 'https://*.<base>' patterns by hand: an https origin whose host is lower-case letters, digits,
// '-' and non-empty '.'-separated labels, and which ends in '.<base>' for one of the bases.
function handPatterns (bases) {
  const known = new Set(bases)
  return {
    has (origin) {
      if (origin.length > 512 || !origin.startsWith('https://')) return false
      for (let i = 8; i < origin.length; i++) {
        const c = origin.charCodeAt(i)
        if (c === 46) {
          if (i === 8 || origin.charCodeAt(i - 1) === 46) return false
          if (known.has(origin.slice(i + 1))) return true
        } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false
      }
      return false
    }
  }
}

// The floor: the least code that sends the same headers as fastify-corsica for these options
// (run.mjs compares the responses before measuring).
function handWritten (allowed, methods, maxAge) {
  return function handCors (request, reply, done) {
    const origin = request.headers.origin
    const preflight = request.raw.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
    if (origin === undefined || !allowed.has(origin)) {
      reply.header('vary', 'Origin')
      if (preflight) { reply.code(403).send(); return }
      done()
      return
    }
    reply.header('access-control-allow-origin', origin)
    reply.header('access-control-allow-credentials', 'true')
    if (preflight) {
      reply.header('vary', 'Origin, Access-Control-Request-Headers')
      reply.header('access-control-allow-methods', methods)
      const requested = request.headers['access-control-request-headers']
      if (requested !== undefined) reply.header('access-control-allow-headers', requested)
      reply.header('access-control-max-age', maxAge)
      reply.code(204).header('content-length', '0').send()
      return
    }
    reply.header('vary', 'Origin')
    reply.header('access-control-expose-headers', 'X-Total-Count')
    done()
  }
}

// The floor for an async origin function: awaits it, then does the same as above.
function handWrittenAsync (isAllowed, methods, maxAge) {
  const allowedHook = handWritten({ has: () => true }, methods, maxAge)
  const deniedHook = handWritten({ has: () => false }, methods, maxAge)
  return function handCorsAsync (request, reply, done) {
    isAllowed(request.headers.origin).then((ok) => (ok ? allowedHook : deniedHook)(request, reply, done), done)
  }
}

await app.listen({ host: '127.0.0.1', port: 0 })
// The load generator asks for this process's CPU time before and after a measured run.
process.on('message', () => { process.send(process.cpuUsage()) })
process.stdout.write(`${app.server.address().port}\n`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0)) })
