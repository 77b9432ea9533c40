// npm run bench: bare Fastify, a hand-written hook, @fastify/cors and fastify-corsica, each
// server in its own process, autocannon in this one, implementations interleaved round by round.
// Reports median requests/s over the rounds and writes benchmarks/results.md.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import autocannon from 'autocannon'
import { IMPLEMENTATIONS, SCENARIOS } from './scenarios.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const ONLY = process.env.BENCH_ONLY
const server = new URL('./server.mjs', import.meta.url).pathname

// Server on core 0, load generator on core 1 (when taskset exists), so they do not take turns on one core.
const pin = spawnSync('taskset', ['-cp', '1', String(process.pid)]).status === 0

async function startServer (implementation, scenario) {
  const command = pin ? ['taskset', ['-c', '0', process.execPath, server, implementation, scenario]] : [process.execPath, [server, implementation, scenario]]
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const [chunk] = await once(child.stdout, 'data')
  return { child, port: Number(String(chunk).trim()) }
}

async function serverCpu (child) {
  child.send('cpu')
  const [usage] = await once(child, 'message')
  return usage.user + usage.system
}

async function load (port, request, duration) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 20,
    pipelining: 10,
    duration,
    requests: [request]
  })
  if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx responses for ${JSON.stringify(request)}`)
  return { rps: result.requests.average, total: result.requests.total }
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const scenarioNames = Object.keys(SCENARIOS).filter((name) => ONLY === undefined || name.includes(ONLY))
const samples = new Map()
const cpuSamples = new Map()
for (let round = 1; round <= ROUNDS; round++) {
  for (const name of scenarioNames) {
    // Rotate the order each round so no implementation always runs first.
    const order = IMPLEMENTATIONS.map((_, i) => IMPLEMENTATIONS[(i + round) % IMPLEMENTATIONS.length])
    for (const implementation of order) {
      const { child, port } = await startServer(implementation, name)
      let rps, cpu
      try {
        await load(port, SCENARIOS[name].request, 1) // warm-up: JIT and connection set-up
        const before = await serverCpu(child)
        const measured = await load(port, SCENARIOS[name].request, DURATION)
        rps = measured.rps
        // Server CPU time per request: insensitive to the load generator sharing the cores.
        cpu = (await serverCpu(child) - before) / measured.total
      } finally {
        child.kill('SIGTERM')
        await once(child, 'exit')
      }
      const key = `${name}|${implementation}`
      samples.set(key, [...(samples.get(key) ?? []), rps])
      cpuSamples.set(key, [...(cpuSamples.get(key) ?? []), cpu])
      process.stderr.write(`round ${round}/${ROUNDS} ${name.padEnd(26)} ${implementation.padEnd(13)} ${Math.round(rps)} req/s ${cpu.toFixed(2)} µs CPU/req\n`)
    }
  }
}

const rows = []
const cpuRows = []
for (const name of scenarioNames) {
  const m = Object.fromEntries(IMPLEMENTATIONS.map((impl) => [impl, median(samples.get(`${name}|${impl}`))]))
  const c = Object.fromEntries(IMPLEMENTATIONS.map((impl) => [impl, median(cpuSamples.get(`${name}|${impl}`))]))
  const cell = (impl) => `${Math.round(m[impl])} (${(m[impl] / m.bare).toFixed(3)})`
  rows.push(`| ${name} | ${Math.round(m.bare)} | ${cell('hand')} | ${cell('fastify-cors')} | ${cell('corsica')} | ${pct(m.corsica / m.hand)} | ${pct(m.corsica / m['fastify-cors'])} |`)
  const cpuCell = (impl) => `${c[impl].toFixed(2)} (+${(c[impl] - c.bare).toFixed(2)})`
  cpuRows.push(`| ${name} | ${c.bare.toFixed(2)} | ${cpuCell('hand')} | ${cpuCell('fastify-cors')} | ${cpuCell('corsica')} |`)
}

function pct (ratio) {
  const value = (ratio - 1) * 100
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`
}

const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU'
const report = `# Benchmark results

${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores (${cpuModel}), ${ROUNDS} rounds of ${DURATION} s per implementation and scenario,
interleaved; autocannon (20 connections, pipelining 10) in one process, each server in its own${pin ? ', pinned to separate cores with taskset' : ''}.
**Caveat:** a shared 2-core machine; the load generator and the server compete for the cores, so
requests/s moves by several percent from run to run. Server CPU time per request, read from the
server process itself, is the steadier measure.

## Requests per second (median; ratio to bare Fastify)

| scenario | bare Fastify | hand-written hooks (floor) | @fastify/cors | fastify-corsica | corsica vs floor | corsica vs @fastify/cors |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Server CPU per request, µs (median; added over bare Fastify)

| scenario | bare Fastify | hand-written hooks (floor) | @fastify/cors | fastify-corsica |
|---|---|---|---|---|
${cpuRows.join('\n')}

Options (all implementations): an origin list of 3 (or 1,000, or 50 wildcard patterns; @fastify/cors
gets the equivalent RegExps), credentials, methods GET/POST/PUT/DELETE, maxAge 600, exposedHeaders
X-Total-Count. The override scenarios hit a route whose \`config.cors\` replaces origin and methods.
`
writeFileSync(new URL('./results.md', import.meta.url), report)
process.stdout.write(report)
