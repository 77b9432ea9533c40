// Helpers for the browser suite: Debian's Chromium driven by playwright-core, a page
// server on one origin and API servers on others, all on 127.0.0.1 (port 0).
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Launches headless Chromium with *.example.test mapped to loopback; fails loudly when it cannot. */
export async function launch (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`)
  }
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
        // *.example.test for the suite's origins; localhost pinned to IPv4, where the servers listen.
        '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1'
      ]
    })
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} did not start: ${(error as Error).message}`)
  }
}

/** Starts an app on 127.0.0.1 and returns its port. */
export async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

/** A page server answering every path with an empty HTML page (and optional extra HTML). */
export async function pageServer (html: (path: string) => string = () => ''): Promise<{ app: FastifyInstance, port: number }> {
  const app = Fastify()
  app.get('/*', async (request, reply) => reply.type('text/html').send(`<!doctype html><title>page</title>${html(request.url)}`))
  return { app, port: await listen(app) }
}

export interface FetchResult {
  readonly ok: boolean
  readonly status?: number
  readonly body?: string
  /** Header values as the page's JavaScript reads them (null when not exposed). */
  readonly headers?: Record<string, string | null>
  readonly error?: string
}

export interface FetchInit {
  method?: string
  headers?: Record<string, string>
  credentials?: 'omit' | 'same-origin' | 'include'
  body?: string
}

/** Runs fetch() inside the page and reports what its JavaScript can see. */
export function browserFetch (page: Page, url: string, init: FetchInit = {}, read: string[] = []): Promise<FetchResult> {
  return page.evaluate(async ({ url, init, read }) => {
    try {
      const response = await fetch(url, init)
      const headers: Record<string, string | null> = {}
      for (const name of read) headers[name] = response.headers.get(name)
      return { ok: true, status: response.status, body: await response.text(), headers }
    } catch (error) {
      return { ok: false, error: String(error) }
    }
  }, { url, init, read })
}

/** Opens a page at `url` in a fresh context (fresh cookies and preflight cache). */
export async function openPage (browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(url)
  return page
}
