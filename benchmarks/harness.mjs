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
