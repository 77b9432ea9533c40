// npm run bench:aa [-- <scenario>...]: checks the instrument. Runs the floor twice and
// fastify-corsica twice (plus bare Fastify) in the same rounds, set up as in run.mjs (one core,
// fresh processes per round, rotating order), and prints how far two identical servers land
// apart next to the corsica-vs-floor gap. If identical servers differ by as much as the gap,
// one run of `npm run bench` cannot decide it.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import autocannon from 'autocannon'
import { SCENARIOS } from './scenarios.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const names = process.argv.length > 2 ? process.argv.slice(2) : ['preflight with ACRH']
for (const name of names) if (SCENARIOS[name] === undefined) throw new Error(`unknown scenario ${name}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
const server = new URL('./server.mjs', import.meta.url).pathname
const pin = spawnSync('taskset', ['-cp', '1', String(process.pid)]).status === 0
const LIST = ['hand', 'hand', 'corsica', 'corsica', 'bare']

async function start (implementation, name) {
  const command = pin ? ['taskset', ['-c', '0', process.execPath, server, implementation, name]] : [process.execPath, [server, implementation, name]]
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const [chunk] = await once(child.stdout, 'data')
  return { child, port: Number(String(chunk).trim()) }
}

const load = (port, request, duration) => autocannon({ url: `http://127.0.0.1:${port}`, connections: 20, pipelining: 10, duration, requests: [request] })

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const pct = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`

for (const name of names) {
  const rps = LIST.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    const shift = round % LIST.length
    const order = [...LIST.keys()].slice(shift).concat([...LIST.keys()].slice(0, shift))
    const servers = []
    try {
      for (const i of order) servers.push({ i, ...await start(LIST[i], name) })
      for (let w = 0; w < 2; w++) await Promise.all(servers.map(({ port }) => load(port, SCENARIOS[name].request, 1)))
      const results = await Promise.all(servers.map(({ port }) => load(port, SCENARIOS[name].request, DURATION)))
      servers.forEach(({ i }, k) => rps[i].push(results[k].requests.average))
    } finally {
      for (const { child } of servers) child.kill('SIGTERM')
      await Promise.all(servers.map(({ child }) => child.exitCode === null ? once(child, 'exit') : undefined))
    }
  }
  // Medians, then in parentheses the median of the per-round ratios.
  const compare = (a, b) => `${pct(median(rps[a]) / median(rps[b]))} (${pct(median(rps[a].map((value, r) => value / rps[b][r])))})`
  process.stdout.write(`${name}, ${ROUNDS} rounds: floor vs floor ${compare(1, 0)}, corsica vs corsica ${compare(3, 2)}; corsica vs floor ${compare(2, 0)} and ${compare(3, 1)}\n`)
}
