// npm run bench:load: how long loading the plugin takes, next to loading Fastify. Each run is a
// fresh process: t0; require('fastify'); t1; require(plugin); t2. Reports medians of RUNS
// processes per plugin (interleaved), and the median of the per-process ratio to Fastify's own
// load time. Writes benchmarks/load.md.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const PLUGINS = ['fastify-corsica', '@fastify/cors']
const CHILD = `
  const t0 = process.hrtime.bigint()
  require('fastify')
  const t1 = process.hrtime.bigint()
  require(process.argv[1])
  const t2 = process.hrtime.bigint()
  console.log(Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6)
`

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const samples = Object.fromEntries(PLUGINS.map((plugin) => [plugin, { fastify: [], plugin: [], ratio: [] }]))
for (let run = 0; run < RUNS; run++) {
  for (const plugin of PLUGINS) {
    const out = execFileSync(process.execPath, ['-e', CHILD, plugin], { encoding: 'utf8' })
    const [fastify, loaded] = out.trim().split(' ').map(Number)
    samples[plugin].fastify.push(fastify)
    samples[plugin].plugin.push(loaded)
    samples[plugin].ratio.push(loaded / fastify)
  }
}

const rows = PLUGINS.map((plugin) => {
  const s = samples[plugin]
  return `| ${plugin} | ${median(s.fastify).toFixed(1)} ms | ${median(s.plugin).toFixed(1)} ms | ${(100 * median(s.ratio)).toFixed(1)}% |`
})
const report = [
  '# Load time',
  '',
  `\`npm run bench:load\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${RUNS} fresh processes per plugin (interleaved); medians.`,
  'Shared 2-core machine: single runs vary by 2x; the ratio is the figure to read.',
  '',
  '| plugin | require(\'fastify\') | require(plugin) after it | plugin / Fastify |',
  '|---|---|---|---|',
  ...rows,
  ''
].join('\n')
writeFileSync(fileURLToPath(new URL('load.md', import.meta.url)), report)
console.log(report)
