// What run.mjs and aa.mjs share: servers pinned to core 0 in their own processes, the load
// generator (this process) on core 1, autocannon loads, medians.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import autocannon from 'autocannon'

const server = new URL('./server.mjs', import.meta.url).pathname

// Server on core 0, load generator on core 1 (when taskset exists), so they do not take turns on one core.
export const pin = spawnSync('taskset', ['-cp', '1', String(process.pid)]).status === 0

/** Starts `node server.mjs <implementation> <scenario>` and waits for its port. */
export async function startServer (implementation, scenario) {
  const command = pin ? ['taskset', ['-c', '0', process.execPath, server, implementation, scenario]] : [process.execPath, [server, implementation, scenario]]
  const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const [chunk] = await once(child.stdout, 'data')
  return { child, port: Number(String(chunk).trim()) }
}

/**
 * `list` rotated by `round` places (round 0: as listed). Order matters on a shared core: a
 * server started and loaded last measured ~3% faster than an identical one started first, so
 * over a multiple of `list.length` rounds each entry takes every place equally often.
 */
export function rotate (list, round) {
  const shift = round % list.length
  return [...list.slice(shift), ...list.slice(0, shift)]
}

/** Warm-up loads, all servers at once: the JIT settles only after a second set of connections has been seen. */
export async function warmUp (servers, request) {
  for (let i = 0; i < 2; i++) await Promise.all(servers.map(({ port }) => load(port, request, 1)))
}

/** Stops the servers and waits until they have exited. */
export async function stopServers (servers) {
  for (const { child } of servers) child.kill('SIGTERM')
  await Promise.all(servers.map(({ child }) => child.exitCode === null ? once(child, 'exit') : undefined))
}

/** CPU time (µs) the server process has used so far, asked over IPC. */
async function serverCpu (child) {
  child.send('cpu')
  const [usage] = await once(child, 'message')
  return usage.user + usage.system
}

/**
 * One round of one scenario: fresh servers (one process each, in the order given), warm-up,
 * all loaded at once. Fresh processes every round, so one unlucky process layout cannot decide
 * a scenario. All the servers share one core and are loaded at once, so the machine's slow and
 * fast spells hit them alike; each gets an equal share of the core, so its requests/s is
 * inversely proportional to its CPU cost per request. Returns each server's result and CPU
 * time, how busy their core was, and each one's share of their CPU time (1: an equal share).
 */
export async function measureRound (scenario, request, implementations, duration) {
  const servers = []
  try {
    for (const implementation of implementations) servers.push({ implementation, ...await startServer(implementation, scenario) })
    await warmUp(servers, request)
    const before = await Promise.all(servers.map(({ child }) => serverCpu(child)))
    const started = process.hrtime.bigint()
    const measured = await Promise.all(servers.map(({ port }) => load(port, request, duration)))
    const wall = Number(process.hrtime.bigint() - started) / 1000
    const after = await Promise.all(servers.map(({ child }) => serverCpu(child)))
    const cpu = servers.map((_, i) => after[i] - before[i])
    const cpuTotal = cpu.reduce((sum, value) => sum + value, 0)
    return { servers, measured, cpu, busy: cpuTotal / wall, shares: cpu.map((value) => value / cpuTotal * servers.length) }
  } finally {
    await stopServers(servers)
  }
}

// The method rests on equal shares of the core. A round in which one server's share of the
// servers' CPU time is off by more than SHARE_TOLERANCE (the load generator fell behind and fed
// some servers more than others) measures the generator, not the servers: it is run again, up
// to MAX_ATTEMPTS times, and the last attempt is kept whatever it shows.
export const SHARE_TOLERANCE = 0.1
export const MAX_ATTEMPTS = 3

/**
 * measureRound, run again while a share is off (see SHARE_TOLERANCE). `report(result, last)`
 * sees every attempt. The result says whether its shares were `equal` and after how many `attempts`.
 */
export async function measureEqualRound (scenario, request, implementations, duration, report = () => {}) {
  for (let attempts = 1; ; attempts++) {
    const result = await measureRound(scenario, request, implementations, duration)
    const equal = result.shares.every((share) => Math.abs(share - 1) <= SHARE_TOLERANCE)
    const last = equal || attempts === MAX_ATTEMPTS
    report({ ...result, equal }, last)
    if (last) return { ...result, equal, attempts }
  }
}

/** Loads one server for `duration` seconds; any non-2xx answer fails the run. */
export async function load (port, request, duration) {
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

export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** A ratio as a signed percentage: 1.023 → '+2.3%'. */
export function pct (ratio) {
  const value = (ratio - 1) * 100
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`
}
