// npm run bench:preflight-scaling: what one preflight costs as the app grows. The app has two
// custom constraint strategies with 7 values each (49 combinations) and N PUT routes under
// /:org/..., each with one combination (7 per path: find-my-way holds at most 31 constrained
// routes per path); the preflight (PUT, a random query string each time,
// so nothing can be answered from a cache keyed by URL) asks about an unconstrained route
// beside them. The server runs in its own process (pinned to core 1 when taskset works) and
// reports the CPU time it spent (process.cpuUsage) over each batch of preflights sent one at a
// time over a real connection from this process; the figure is the median batch, per preflight.
// Writes benchmarks/preflight-scaling.md.
import { fork, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const SIZES = [1, 100, 1000, 10000]
const BATCHES = Number(process.env.BENCH_BATCHES ?? 15)
const PER_BATCH = 400

if (process.argv[2] === 'child') {
  const size = Number(process.argv[3])
  const { default: Fastify } = await import('fastify')
  const { default: corsica } = await import('fastify-corsica')
  const strategy = (name) => ({
    name,
    storage () {
      const stores = new Map()
      return { get: (value) => stores.get(value) ?? null, set: (value, store) => { stores.set(value, store) } }
    },
    deriveConstraint: (request) => request.headers[`x-${name}`],
    mustMatchWhenDerived: true,
    validate () {}
  })
  const app = Fastify({ routerOptions: { constraints: { tenant: strategy('tenant'), region: strategy('region') } } })
  // Times the plugin's own onRequest hook (wrapped as it is added, so the plugin is unchanged):
  // static options, so the preflight is judged and answered inside it.
  let hookTimes = []
  const addHook = app.addHook.bind(app)
  app.addHook = (name, hook) => addHook(name, name !== 'onRequest'
    ? hook
    : function timed (request, reply, done) {
      const start = process.hrtime.bigint()
      try { return hook.call(this, request, reply, done) } finally { hookTimes.push(Number(process.hrtime.bigint() - start) / 1000) }
    })
  await app.register(corsica, { origin: ['https://app.example'], methods: 'GET,PUT,DELETE' })
  const handler = async () => 'ok'
  for (let i = 0; i < size; i++) {
    app.put(`/:org/section${Math.floor(i / 7)}/items/:id`, { constraints: { tenant: `t${i % 7}`, region: `r${Math.floor(i / 7) % 7}` } }, handler)
  }
  app.put('/:org/settings/:id', handler)
  await app.listen({ host: '127.0.0.1', port: 0 })
  process.send({ port: app.server.address().port })
  let start = process.cpuUsage()
  process.on('message', (message) => {
    if (message === 'start') {
      start = process.cpuUsage()
      hookTimes = []
      process.send('started')
    } else {
      const used = process.cpuUsage(start)
      hookTimes.sort((a, b) => a - b)
      process.send({ micros: used.user + used.system, hook: hookTimes[Math.floor(hookTimes.length / 2)] })
    }
  })
} else {
  const pinned = spawnSync('taskset', ['-cp', '0', String(process.pid)]).status === 0
  const rows = []
  for (const size of SIZES) {
    const child = fork(fileURLToPath(import.meta.url), ['child', String(size)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    if (pinned) spawnSync('taskset', ['-cp', '1', String(child.pid)])
    const [{ port }] = await once(child, 'message')
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const preflight = () => new Promise((resolve, reject) => {
      http.request({
        host: '127.0.0.1',
        port,
        method: 'OPTIONS',
        path: `/acme/settings/7?r=${Math.random().toString(36).slice(2)}`,
        agent,
        headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' }
      }, (res) => {
        if (res.statusCode !== 204) reject(new Error(`status ${res.statusCode}`))
        res.resume().on('end', resolve)
      }).on('error', reject).end()
    })
    const perPreflight = []
    const inHook = []
    for (let batch = -3; batch < BATCHES; batch++) {
      child.send('start')
      await once(child, 'message')
      for (let i = 0; i < PER_BATCH; i++) await preflight()
      child.send('stop')
      const [{ micros, hook }] = await once(child, 'message')
      // The first batches warm the JIT up.
      if (batch >= 0) {
        perPreflight.push(micros / PER_BATCH)
        inHook.push(hook)
      }
    }
    agent.destroy()
    child.kill()
    await once(child, 'exit')
    perPreflight.sort((a, b) => a - b)
    inHook.sort((a, b) => a - b)
    rows.push({ size, median: perPreflight[Math.floor(perPreflight.length / 2)], min: perPreflight[0], hook: inHook[Math.floor(inHook.length / 2)] })
    process.stdout.write(`${size} routes: ${rows.at(-1).median.toFixed(1)} µs per preflight (min ${rows.at(-1).min.toFixed(1)}), ${rows.at(-1).hook.toFixed(2)} µs in the plugin's hook\n`)
  }
  const table = rows.map(({ size, median, min, hook }) => `| ${size.toLocaleString('en-US')} | ${median.toFixed(1)} | ${min.toFixed(1)} | ${(median / rows[0].median).toFixed(2)}× | ${hook.toFixed(2)} | ${(hook / rows[0].hook).toFixed(2)}× |`)
  writeFileSync(new URL('./preflight-scaling.md', import.meta.url), `# Preflight cost as the app grows

\`npm run bench:preflight-scaling\` (${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node}; a shared 2-core VM${pinned ? ', server and client pinned to separate cores' : ''}).
An app with two custom constraint strategies of 7 values each (49 combinations) and N PUT
routes under \`/:org/...\` with one combination each (7 per path); every preflight asks about an
unconstrained PUT route beside them (\`/acme/settings/7\`, a random query string each time), so
each one asks the router and walks the route table, with constrained routes of its method in
the app. Server CPU time (user + system, \`process.cpuUsage\`)
per preflight over a real connection: the median of ${BATCHES} batches of ${PER_BATCH} (after 3 warm-up batches), and the
fastest batch; most of it is HTTP. The plugin's own share: the time spent in its \`onRequest\`
hook, where the preflight is judged and answered (the median preflight of each batch, median
over the batches; it includes sending the reply). Budget (issue 25): 10,000 routes within 2× of
1 route.

| routes | server CPU µs per preflight (median) | fastest batch | vs 1 route | µs in the plugin's hook (median) | vs 1 route |
|---|---|---|---|---|---|
${table.join('\n')}

Before the redesign (main at 223629c, measured in issue 25): 0.66 ms at 1 route, 10.4 ms at
1,000 and 69 ms at 10,000 (the router asked once per constraint combination).
`)
}
