// The demo page in Chromium: every button shows the outcome its title promises, and each
// refusal comes with the server's explanation.
import { test } from 'tap'
import type { Browser, Page } from 'playwright-core'
import type { Demo } from '../../examples/demo/server.mjs'
import { launch, openPage } from './browser.js'

const EXPECTED: Record<string, { outcome: 'allowed' | 'blocked', shows: RegExp }> = {
  'allowed-get': { outcome: 'allowed', shows: /^ALLOWED: 200 \{"items":\["apple","pear"\]\}$/ },
  credentialed: { outcome: 'allowed', shows: /"cookieTheApiReceived":"demo_session=hello-from-the-api"/ },
  'preflighted-put': { outcome: 'allowed', shows: /200 \{"updated":"42"\}\nx-request-id: demo-123/ },
  'denied-origin': { outcome: 'blocked', shows: /Server: fastify-corsica refused CORS headers for http:\/\/127\.0\.0\.1:\d+ on \/api\/items: the origin is not allowed/ },
  'cors-false': { outcome: 'blocked', shows: /Server: fastify-corsica refused the preflight from http:\/\/localhost:\d+ to \/api\/internal\/1: CORS is disabled for this route/ },
  override: { outcome: 'blocked', shows: /Server: fastify-corsica refused CORS headers for http:\/\/localhost:\d+ on \/api\/partner-report: the origin is not allowed; add .* to this route's config\.cors\.origin \(it overrides the plugin's origin\)/ }
}

let browser: Browser
let demo: Demo
let page: Page

test('setup', async () => {
  const { startDemo } = await import('../../examples/demo/server.mjs')
  demo = await startDemo({ apiPort: 0, pagePort: 0, quiet: true })
  browser = await launch()
  page = await openPage(browser, demo.pageUrl)
})

for (const [id, expected] of Object.entries(EXPECTED)) {
  test(`demo button "${id}" shows ${expected.outcome}`, async (t) => {
    await page.click(`#run-${id}`)
    const result = page.locator(`#result-${id}[data-outcome]`)
    await result.waitFor({ timeout: 10000 })
    t.equal(await result.getAttribute('data-outcome'), expected.outcome)
    t.match(await result.innerText(), expected.shows)
  })
}

test('the refused DELETE never reached its handler', async (t) => {
  t.equal(demo.internalDeletes(), 0)
})

test('teardown', async () => {
  await browser.close()
  await demo.close()
})
