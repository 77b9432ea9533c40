import Fastify from './fastify.js'
import { type FastifyInstance, type FastifyServerOptions, type LightMyRequestResponse } from 'fastify'
import corsPlugin from '../../src/index.js'

export const PARTNER = 'https://partner.example'
export const EVIL = 'https://evil.example'

/** An app with the plugin and a few plain routes; `extra` adds more before ready(). */
export async function build (
  options: Record<string, unknown> = {},
  extra?: (app: FastifyInstance) => void,
  server: FastifyServerOptions = {}
): Promise<FastifyInstance> {
  const app = Fastify(server)
  await app.register(corsPlugin, options as never)
  app.get('/items', async () => ({ items: [] }))
  app.put('/items/:id', async () => ({ ok: true }))
  app.delete('/items/:id', async () => ({ ok: true }))
  extra?.(app)
  await app.ready()
  return app
}

/** A well-formed preflight, as Chromium sends it. */
export function preflight (
  app: FastifyInstance,
  url: string,
  origin: string,
  method: string,
  requestHeaders?: string
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { origin, 'access-control-request-method': method }
  if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders
  return app.inject({ method: 'OPTIONS', url, headers })
}

/** The CORS response headers a browser reads, and Vary, without date/connection noise. */
export function corsHeaders (res: LightMyRequestResponse): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('access-control-') || name === 'vary' || name === 'cache-control') out[name] = String(value)
  }
  return out
}

/** Registration that must fail: returns the error thrown by ready(). */
export async function registrationError (options: unknown): Promise<Error & { code?: string, issues?: Array<{ path: string, message: string }> }> {
  const app = Fastify()
  app.register(corsPlugin, options as never)
  try {
    await app.ready()
  } catch (error) {
    return error as Error
  } finally {
    await app.close()
  }
  throw new Error('registration unexpectedly succeeded')
}

/** Collects what the plugin logs at warn level during registration. */
export async function warningsFor (options: Record<string, unknown>): Promise<string[]> {
  const lines: string[] = []
  const stream = { write: (line: string) => { const entry = JSON.parse(line); if (entry.level === 40) lines.push(entry.msg) } }
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(corsPlugin, options as never)
  await app.ready()
  await app.close()
  return lines
}

/** Collects the warnings the process emits while `run` runs (they are emitted on the next tick). */
export async function emitted (t: { teardown: (fn: () => unknown) => void }, run: () => Promise<void>): Promise<Array<{ code: string | undefined, message: string }>> {
  const seen: Array<{ code: string | undefined, message: string }> = []
  const onWarning = (warning: Error & { code?: string }): void => { seen.push({ code: warning.code, message: warning.message }) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  await run()
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', onWarning)
  return seen
}
