// npm run bench: bare Fastify, a hand-written hook, @fastify/cors and fastify-corsica, each
// server in its own process, autocannon in this one, implementations interleaved round by round.
// Reports median requests/s over the rounds and writes benchmarks/results.md.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { MAX_ATTEMPTS, measureEqualRound, median, pct, pin, rotate, SHARE_TOLERANCE, startServer } from './harness.mjs'
import { IMPLEMENTATIONS, implementationsOf, SCENARIOS } from './scenarios.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const ONLY = process.env.BENCH_ONLY
// A partial run (BENCH_ONLY) can write its report elsewhere than results.md.
const OUT = process.env.BENCH_OUT ?? 'results.md'

function ask (port, request) {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, headers: request.headers }, (response) => {
      response.resume()
      response.on('end', () => {
        const { date, connection, 'keep-alive': keepAlive, ...headers } = response.headers
        resolve(JSON.stringify([response.statusCode, Object.entries(headers).sort()]))
      })
    }).on('error', reject).end()
  })
}

// The floor is only a floor if it does the same job: before measuring, check that it answers
// every scenario with exactly fastify-corsica's status and headers.
async function checkSameResponses (name) {
  const answers = {}
  const implementations = ['hand', ...implementationsOf(name).filter((implementation) => implementation.startsWith('corsica'))]
  for (const implementation of implementations) {
    const { child, port } = await startServer(implementation, name)
    try {
      answers[implementation] = await ask(port, SCENARIOS[name].request)
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  }
  for (const implementation of implementations) {
    if (answers[implementation] !== answers.corsica) throw new Error(`${name}: ${implementation} answers ${answers[implementation]}, fastify-corsica ${answers.corsica}`)
  }
}

const scenarioNames = Object.keys(SCENARIOS).filter((name) => ONLY === undefined || name.includes(ONLY))
for (const name of scenarioNames) await checkSameResponses(name)
const samples = new Map()
const cpuSamples = new Map()
const busy = []
let repeated = 0
let keptUnequal = 0
for (let round = 1; round <= ROUNDS; round++) {
  for (const name of scenarioNames) {
    // The start and load order rotates round by round (see rotate).
    const implementations = rotate(implementationsOf(name), round - 1)
    const result = await measureEqualRound(name, SCENARIOS[name].request, implementations, DURATION, ({ servers, measured, busy, shares, equal }, last) => {
      process.stderr.write(`round ${round}/${ROUNDS} ${name.padEnd(26)} ${servers.map(({ implementation }, i) => `${implementation} ${Math.round(measured[i].rps)}`).join(', ')} req/s; servers busy ${(busy * 100).toFixed(0)}%; CPU shares ${shares.map((share) => share.toFixed(2)).join(' ')}${equal ? '' : last ? ' (unequal: kept)' : ' (unequal: run again)'}\n`)
    })
    repeated += result.attempts - 1
    if (!result.equal) keptUnequal++
    const { servers, measured, cpu } = result
    servers.forEach(({ implementation }, i) => {
      const key = `${name}|${implementation}`
      samples.set(key, [...(samples.get(key) ?? []), measured[i].rps])
      cpuSamples.set(key, [...(cpuSamples.get(key) ?? []), cpu[i] / measured[i].total])
    })
    // Share of the servers' core actually used: near 1 means the load generator kept them all busy.
    busy.push(result.busy)
  }
}

const rows = []
const cpuRows = []
for (const name of scenarioNames) {
  const m = Object.fromEntries(IMPLEMENTATIONS.map((impl) => [impl, median(samples.get(`${name}|${impl}`))]))
  const c = Object.fromEntries(IMPLEMENTATIONS.map((impl) => [impl, median(cpuSamples.get(`${name}|${impl}`))]))
  const cell = (impl) => `${Math.round(m[impl])} (${(m[impl] / m.bare).toFixed(3)})`
  // Paired: the ratio within each round (the implementations ran back to back), then the median.
  const paired = (other) => median(samples.get(`${name}|corsica`).map((rps, i) => rps / samples.get(`${name}|${other}`)[i]))
  rows.push(`| ${name} | ${Math.round(m.bare)} | ${cell('hand')} | ${cell('fastify-cors')} | ${cell('corsica')} | ${pct(m.corsica / m.hand)} (${pct(paired('hand'))}) | ${pct(m.corsica / m['fastify-cors'])} (${pct(paired('fastify-cors'))}) |`)
  const cpuCell = (impl) => `${c[impl].toFixed(2)} (+${(c[impl] - c.bare).toFixed(2)})`
  cpuRows.push(`| ${name} | ${c.bare.toFixed(2)} | ${cpuCell('hand')} | ${cpuCell('fastify-cors')} | ${cpuCell('corsica')} |`)
}

// Lookup cost must not grow with the list: the large list against a list of 3 allowing the same
// origin, both fastify-corsica, measured in the same rounds.
const sizeRows = scenarioNames.filter((name) => implementationsOf(name).includes('corsica-3')).map((name) => {
  const large = samples.get(`${name}|corsica`)
  const three = samples.get(`${name}|corsica-3`)
  return `| ${name} | ${Math.round(median(large))} | ${Math.round(median(three))} | ${pct(median(large) / median(three))} (${pct(median(large.map((rps, i) => rps / three[i])))}) |`
})

// Loaded by app.register(import('fastify-corsica')) after the app exists, against the floor.
const importRows = scenarioNames.filter((name) => implementationsOf(name).includes('corsica-import')).map((name) => {
  const imported = samples.get(`${name}|corsica-import`)
  const hand = samples.get(`${name}|hand`)
  return `| ${name} | ${Math.round(median(imported))} | ${Math.round(median(samples.get(`${name}|corsica`)))} | ${Math.round(median(hand))} | ${pct(median(imported) / median(hand))} (${pct(median(imported.map((rps, i) => rps / hand[i])))}) |`
})

const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU'
const report = `# Benchmark results

${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} cores (${cpuModel}), ${ROUNDS} rounds of ${DURATION} s per scenario.
Each round starts the servers afresh (four; five or six in the large-list scenarios; one process each${pin ? ', all pinned to core 0' : ''})
in an order that rotates round by round (the server started and loaded last has a small edge), warms them
up for 2 × 1 s, then loads them all at once with autocannon (20 connections, pipelining 10 per server) from this
process${pin ? ' on core 1' : ''}. Sharing one core, the servers get equal CPU time, so requests/s is inversely
proportional to CPU cost per request, and the machine's slow and fast spells hit them all alike.
The servers' core was busy ${(median(busy) * 100).toFixed(0)}% (median over the rounds): the load generator kept up.
A round in which one server's share of the servers' CPU time was more than ${SHARE_TOLERANCE * 100}% off an equal share
(the load generator fed some servers more than others) was run again: ${repeated} repeated, ${keptUnequal} kept unequal after ${MAX_ATTEMPTS} attempts.
Absolute requests/s are per server while they share one core; the ratios are what carry over.

The floor is the least code that sends fastify-corsica's exact status and headers (route-level
\`onRequest\` hooks with the values hard-coded, preflights on an \`OPTIONS *\` catch-all like
bare Fastify and both plugins); run.mjs checks that both answer each scenario identically before
measuring. It reflects Access-Control-Request-Headers unchecked and checks neither the requested
method nor existing Vary values, which fastify-corsica does. For the 50 patterns it does the same
job by hand: a Set of the base domains, tried at each dot of a well-formed https host. For the
async origin function it awaits the same function before deciding.

**Caveat:** a shared 2-core virtual machine; repeated runs move the medians by a few percent.

## Requests per second (median; ratio to bare Fastify)

| scenario | bare Fastify | hand-written hooks (floor) | @fastify/cors | fastify-corsica | corsica vs floor (paired) | corsica vs @fastify/cors (paired) |
|---|---|---|---|---|---|---|
${rows.join('\n')}

The first figure compares the medians; the one in parentheses is the median of the per-round
ratios (each round runs the implementations back to back, so slow spells of the machine cancel).
${sizeRows.length === 0
  ? ''
  : `
## Large origin lists against a list of 3 (fastify-corsica, median requests/s)

The large-list scenarios run one more server in the same rounds: fastify-corsica with the same
options but a list of 3 origins that includes the requesting one.

| scenario | large list | list of 3 | large vs 3 (paired) |
|---|---|---|---|
${sizeRows.join('\n')}
`}
${importRows.length === 0
  ? ''
  : `
## Loaded with \`app.register(import('fastify-corsica'), options)\` (median requests/s)

The 1,000-origin scenario also runs fastify-corsica loaded the way Fastify's documentation shows,
after the app was created (every other server loads both plugins before creating the app).

| scenario | loaded by import() | loaded first | floor | import() vs floor (paired) |
|---|---|---|---|---|
${importRows.join('\n')}
`}
## Server CPU per request, µs (median; added over bare Fastify)

| scenario | bare Fastify | hand-written hooks (floor) | @fastify/cors | fastify-corsica |
|---|---|---|---|---|
${cpuRows.join('\n')}

Options (all implementations): an origin list of 3 (or 1,000, or 50 wildcard patterns; @fastify/cors
gets the equivalent RegExps; or an async delegator returning 10,000 origins), credentials, methods
GET/POST/PUT/DELETE, maxAge 600, exposedHeaders X-Total-Count. The override scenarios hit a route
whose \`config.cors\` replaces origin and methods.
`
writeFileSync(new URL(OUT, new URL('./', import.meta.url)), report)
process.stdout.write(report)
