import http from 'node:http'
import http2 from 'node:http2'
import type { FastifyInstance } from 'fastify'

export interface HttpResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** Starts the app on 127.0.0.1 (port 0) and returns a function sending real HTTP requests to it; closes it when the test ends. */
export async function serve (t: { teardown: (fn: () => unknown) => void }, app: FastifyInstance): Promise<(method: string, path: string, headers?: Record<string, string>) => Promise<HttpResponse>> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  return (method, path, headers = {}) => new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body }))
    }).on('error', reject).end()
  })
}

/** The CORS headers a browser reads from a real response, and Vary. */
export function corsOf (res: HttpResponse): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('access-control-') || name === 'vary') out[name] = String(value)
  }
  return out
}

/**
 * Starts an `http2: true` app on 127.0.0.1 and returns a function sending real HTTP/2 requests,
 * as browsers do: the host goes in `:authority`, with no Host header.
 */
export async function serveHttp2 (t: { teardown: (fn: () => unknown) => void }, app: FastifyInstance<http2.Http2Server>): Promise<(method: string, path: string, authority: string, headers?: Record<string, string>) => Promise<HttpResponse>> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const session = http2.connect(`http://127.0.0.1:${port}`)
  t.teardown(async () => { session.close(); await app.close() })
  return (method, path, authority, headers = {}) => new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': path, ':authority': authority, ...headers })
    let body = ''
    let head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {}
    stream.setEncoding('utf8')
    stream.on('response', (received) => { head = received })
    stream.on('data', (chunk: string) => { body += chunk })
    stream.on('end', () => {
      const { ':status': status, ...rest } = head
      resolve({ status: status as number, headers: rest as http.IncomingHttpHeaders, body })
    })
    stream.on('error', reject)
    stream.end()
  })
}
