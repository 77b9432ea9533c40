// npm run bench:startup: what the plugin costs per route at startup. Each variant runs in fresh
// processes (node --expose-gc): 10,000 routes (5,000 paths, GET and PUT), declared after the
// plugin, then ready(). Reports the heap in use after ready() (after a full GC), the time from
// the first route declared to ready() resolved, and the time spent in the plugin's own onRoute and
// onReady hooks; medians of RUNS processes, and paired medians against bare Fastify in the same
// run. Writes benchmarks/startup.md.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// 21 processes: with 11 the medians moved by 5 to 10 points from run to run on a shared machine.
const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const PATHS = 5000
// 'bare, again' is an A/A check: how far two identical variants land apart on this machine.
// 'after a route' declares the routes (after loading the plugin) in a scope of their own after a
// route at the root exists: then the registration-order check reads printRoutes at ready(). Its
// baseline is bare Fastify with the same shape ('bare, routes in a scope after a route').
const VARIANTS = ['bare', 'bare, again', 'fastify-cors', 'corsica', 'corsica, every tenth route with config.cors', 'bare, routes in a scope after a route', 'corsica, loaded after a route in another scope']
const baselineOf = (variant) => variant.includes('after a route') ? 'bare, routes in a scope after a route' : 'bare'

if (process.argv[2] === 'child') {
  const variant = process.argv[3]
  // Every variant loads both plugins, so all start from the same heap.
  const { default: Fastify } = await import('fastify')
  const fastifyCors = (await import('@fastify/cors')).default
  const corsica = (await import('fastify-corsica')).default
  const plugin = variant === 'fastify-cors' ? fastifyCors : variant.startsWith('corsica') ? corsica : null
  const gc = globalThis.gc
  const app = Fastify()
  // Times the onRoute and onReady hooks plugins add (wrapped as they are added, so the plugin is
  // unchanged; called on the scope the plugin was registered in, whose children inherit it).
  const spent = { onRoute: 0, onReady: 0 }
  const addHook = app.addHook
  app.addHook = function (name, hook) {
    if (name === 'onRoute') {
      return addHook.call(this, name, function timed (route) {
        const start = performance.now()
        try { return hook.call(this, route) } finally { spent.onRoute += performance.now() - start }
      })
    }
    if (name === 'onReady') {
      return addHook.call(this, name, async function timed () {
        const start = performance.now()
        try { return await hook.call(this) } finally { spent.onReady += performance.now() - start }
      })
    }
    return addHook.call(this, name, hook)
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
  process.stdout.write(JSON.stringify({ elapsed, heap, ...spent }))
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
const of = (variant, key) => median(results[variant].map((r) => r[key]))
const pct = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`
// Each process against its baseline in the same run (they ran back to back), then the median.
const paired = (variant, key) => median(results[variant].map((r, run) => r[key] / results[baselineOf(variant)][run][key]))
const rows = VARIANTS.map((variant) => {
  const base = baselineOf(variant)
  return `| ${variant} | ${(of(variant, 'heap') / 1e6).toFixed(1)} MB | ${pct(of(variant, 'heap') / of(base, 'heap'))} | ${of(variant, 'elapsed').toFixed(0)} ms | ${pct(of(variant, 'elapsed') / of(base, 'elapsed'))} (${pct(paired(variant, 'elapsed'))}) | ${of(variant, 'onRoute').toFixed(0)} ms / ${of(variant, 'onReady').toFixed(0)} ms |`
})
const report = `# Startup cost per route

${new Date().toISOString().slice(0, 10)}, Node ${process.version}: 10,000 routes (${PATHS} paths, GET and PUT; Fastify adds HEAD for each GET)
declared after the plugin, then \`ready()\`; ${RUNS} processes per variant, variants interleaved${pin ? ', pinned to core 0' : ''}.
Every variant loads both plugins, so all start from the same heap. The heap is measured after a full GC.
Startup time is mostly Fastify's own work and its garbage collection, and varies by ±15% from
process to process on a shared machine (the machine's speed changes from minute to minute): read
it against the A/A row ('bare, again'), as the paired median (each process against the bare one
run just before it), and next to the time spent in the plugins' own \`onRoute\` and \`onReady\`
hooks, measured directly. Each variant is compared with bare Fastify serving the same routes in
the same scopes (the last one with the row above it).

| variant | heap after ready() | vs bare | routes + ready(), median | vs bare (paired) | in the plugin's onRoute / onReady hooks, median |
|---|---|---|---|---|---|
${rows.join('\n')}
`
writeFileSync(new URL('./startup.md', import.meta.url), report)
process.stdout.write(report)
