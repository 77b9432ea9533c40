// Coverage is measured on the TypeScript sources only: the built dist/ that the
// package test loads in a child process is the same code, compiled.
import { readdirSync } from 'node:fs'

const sources = readdirSync(new URL('../../src/', import.meta.url), { recursive: true })
  .filter((name) => /\.m?ts$/.test(name))
  .map((name) => `src/${name}`)

export default function coverageMap () {
  return sources
}
