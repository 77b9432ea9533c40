// npm run bench:startup: what the plugin costs per route at startup. Each variant runs in fresh
// processes (node --expose-gc): 10,000 routes (5,000 paths, GET and PUT), declared after the
// plugin, then ready(). Reports the heap in use after ready() (after a full GC), the time from
// the first route declared to ready() resolved, and the time spent in the plugin's own onRoute
// hook; medians (and minimums) of RUNS processes. Writes benchmarks/startup.md.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const RUNS = Number(process.env.BENCH_RUNS ?? 11)
const PATHS = 5000
// 'bare, again' is an A/A check: how far two identical variants land apart on this machine.
// 'after a route' loads the plugin (and declares the routes) in a scope of its own after a route
// at the root exists: then the registration-order check reads printRoutes at ready().
const VARIANTS = ['bare', 'bare, again', 'fastify-cors', 'corsica', 'corsica, every tenth route with config.cors', 'corsica, loaded after a route in another scope']

if (process.argv[2] === 'child') {
  const variant = process.argv[3]
  // Every variant loads both plugins, so all start from the same heap.
  const { default: Fastify } = await import('fastify')
  const fastifyCors = (await import('@fastify/cors')).default
  const corsica = (await import('fastify-corsica')).default
  const plugin = variant === 'fastify-cors' ? fastifyCors : variant.startsWith('corsica') ? corsica : null
  const gc = globalThis.gc
  const app = Fastify()
  // Times the onRoute hooks plugins add (wrapped as they are added, so the plugin is unchanged).
  let onRoute = 0
  // Called on the scope the plugin was registered in (a child scope inherits the wrapper).
  const addHook = app.addHook
  app.addHook = function (name, hook) {
    return addHook.call(this, name, name !== 'onRoute'
      ? hook
      : function timed (route) {
        const start = performance.now()
        try { return hook.call(this, route) } finally { onRoute += performance.now() - start }
      })
  }
  const configured = variant.includes('tenth')
  const handler = async () => 'ok'
  let heapBefore = 0
  let start = 0
  const declare = async (scope) => {
    if (plugin !== null) await scope.register(plugin, { origin: ['https://app.example'], methods: ['GET', 'PUT'] })
    gc(); gc()
    heapBefore = process.memoryUsage().heapUsed
    start = performance.now()
    for (let i = 0; i < PATHS; i++) {
      // Every tenth route (every fifth path's GET) carries its own config.cors when asked.
      const config = configured && i % 5 === 0 ? { cors: { origin: ['https://partner.example'] } } : {}
      scope.get(`/resource${i}/:id`, { config }, handler)
      scope.put(`/resource${i}/:id`, handler)
    }
  }
  if (variant.includes('after a route')) {
    // A route outside the plugin's scope exists when it loads: the check reads printRoutes at ready().
    app.get('/health', handler)
    await app.register(declare)
  } else {
    await declare(app)
  }
  await app.ready()
  const elapsed = performance.now() - start
  gc(); gc()
  const heap = process.memoryUsage().heapUsed - heapBefore
  process.stdout.write(JSON.stringify({ elapsed, onRoute, heap }))
  process.exit(0)
}

const script = fileURLToPath(import.meta.url)
const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const results = {}
for (let run = 0; run < RUNS; run++) {
  // Variants interleaved run by run, so a slow spell of the machine hits them alike; pinned to
  // one core when taskset exists.
  for (const variant of VARIANTS) {
    const args = ['--expose-gc', script, 'child', variant]
    const out = pin ? execFileSync('taskset', ['-c', '0', process.execPath, ...args], { encoding: 'utf8' }) : execFileSync(process.execPath, args, { encoding: 'utf8' })
    ;(results[variant] ??= []).push(JSON.parse(out))
  }
}
const of = (variant, key, pick = median) => pick(results[variant].map((r) => r[key]))
const pct = (value, base) => `${value >= base ? '+' : ''}${((value / base - 1) * 100).toFixed(1)}%`
const rows = VARIANTS.map((variant) => {
  const heap = of(variant, 'heap')
  const elapsed = of(variant, 'elapsed')
  const fastest = of(variant, 'elapsed', (values) => Math.min(...values))
  return `| ${variant} | ${(heap / 1e6).toFixed(1)} MB | ${pct(heap, of('bare', 'heap'))} | ${elapsed.toFixed(0)} ms (${pct(elapsed, of('bare', 'elapsed'))}) | ${fastest.toFixed(0)} ms (${pct(fastest, of('bare', 'elapsed', (values) => Math.min(...values)))}) | ${of(variant, 'onRoute').toFixed(0)} ms |`
})
const report = `# Startup cost per route

${new Date().toISOString().slice(0, 10)}, Node ${process.version}: 10,000 routes (${PATHS} paths, GET and PUT; Fastify adds HEAD for each GET)
declared after the plugin, then \`ready()\`; ${RUNS} processes per variant, variants interleaved${pin ? ', pinned to core 0' : ''}.
Every variant loads both plugins, so all start from the same heap. The heap is measured after a full GC.
Startup time is mostly Fastify's own work and its garbage collection, and varies by ±15% from
process to process on a shared machine: read it against the A/A row ('bare, again'), and next to
the time spent in the plugins' own \`onRoute\` hooks, measured directly.

| variant | heap after ready() | vs bare | routes + ready(), median (vs bare) | fastest (vs bare) | in onRoute hooks, median |
|---|---|---|---|---|---|
${rows.join('\n')}
`
writeFileSync(new URL('./startup.md', import.meta.url), report)
process.stdout.write(report)
