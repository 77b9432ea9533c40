import { execFileSync } from 'node:child_process'

/** Runs node on the built package in a child process, outside tap's coverage (npm test builds first). */
export function runNode (args: string[]): string {
  const env = { ...process.env }
  delete env.NODE_V8_COVERAGE
  delete env.NODE_OPTIONS
  return execFileSync(process.execPath, args, { env, encoding: 'utf8' }).trim()
}
