// npm run bench:aa [-- <scenario>...]: checks the instrument. Runs the floor twice and
// fastify-corsica twice (plus bare Fastify) in the same rounds, set up as in run.mjs (one core,
// fresh processes per round, rotating order), and prints how far two identical servers land
// apart next to the corsica-vs-floor gap. If identical servers differ by as much as the gap,
// one run of `npm run bench` cannot decide it.
import { load, median, pct, rotate, startServer, stopServers, warmUp } from './harness.mjs'
import { SCENARIOS } from './scenarios.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const DURATION = Number(process.env.BENCH_DURATION ?? 3)
const names = process.argv.length > 2 ? process.argv.slice(2) : ['preflight with ACRH']
for (const name of names) if (SCENARIOS[name] === undefined) throw new Error(`unknown scenario ${name}; scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
const LIST = ['hand', 'hand', 'corsica', 'corsica', 'bare']

for (const name of names) {
  const rps = LIST.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    const servers = []
    try {
      for (const i of rotate([...LIST.keys()], round)) servers.push({ i, ...await startServer(LIST[i], name) })
      await warmUp(servers, SCENARIOS[name].request)
      const results = await Promise.all(servers.map(({ port }) => load(port, SCENARIOS[name].request, DURATION)))
      servers.forEach(({ i }, k) => rps[i].push(results[k].rps))
    } finally {
      await stopServers(servers)
    }
  }
  // Medians, then in parentheses the median of the per-round ratios.
  const compare = (a, b) => `${pct(median(rps[a]) / median(rps[b]))} (${pct(median(rps[a].map((value, r) => value / rps[b][r])))})`
  process.stdout.write(`${name}, ${ROUNDS} rounds: floor vs floor ${compare(1, 0)}, corsica vs corsica ${compare(3, 2)}; corsica vs floor ${compare(2, 0)} and ${compare(3, 1)}\n`)
}
