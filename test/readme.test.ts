// Every JavaScript and TypeScript block in the README is type-checked against the built package,
// and the JavaScript ones are run: their output must be what their `// ` comments say. A block
// marked `<!-- partial: ... -->` is type-checked after a preamble declaring what it needs.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'

const root = join(__dirname, '..')
const dir = join(root, '.readme-check')

const PREAMBLE = `import Fastify from 'fastify'
import corsPlugin, { type RouteCorsOptions } from 'fastify-corsica'
declare const handler: () => Promise<unknown>
declare const tenants: Map<string, { cors: RouteCorsOptions }>
declare const loadOrigins: () => Promise<string[]>
const app = Fastify()
`

interface Block { readonly lang: string, readonly code: string, readonly partial: boolean, readonly line: number }

function blocks (markdown: string): Block[] {
  const found: Block[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)$/.exec(lines[i])
    if (open === null) continue
    const end = lines.indexOf('```', i + 1)
    if (['js', 'ts', 'javascript', 'typescript'].includes(open[1])) {
      found.push({ lang: open[1].startsWith('j') ? 'js' : 'ts', code: lines.slice(i + 1, end).join('\n'), partial: /^<!-- partial/.test(lines[i - 1] ?? ''), line: i + 1 })
    }
    i = end
  }
  return found
}

const node = (args: string[]): string => {
  const env = { ...process.env }
  delete env.NODE_V8_COVERAGE
  delete env.NODE_OPTIONS
  return execFileSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' })
}

test('every code block of the README type-checks, and the JavaScript ones run as their comments say', (t) => {
  const found = blocks(readFileSync(join(root, 'README.md'), 'utf8'))
  t.ok(found.length >= 3, `${found.length} blocks`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir)
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const files = found.map((block, index) => {
    const file = `block-${index + 1}-line-${block.line}.${block.lang === 'js' ? 'mjs' : 'mts'}`
    writeFileSync(join(dir, file), block.partial ? `${PREAMBLE}${block.code}\nexport {}\n` : `${block.code}\nexport {}\n`)
    return file
  })
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, allowJs: true, checkJs: true, skipLibCheck: true, types: ['node'] },
    include: files
  }))
  let typeErrors = ''
  try {
    node([join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')])
  } catch (error) {
    typeErrors = String((error as { stdout?: string }).stdout)
  }
  t.equal(typeErrors, '', 'no type errors')
  found.forEach((block, index) => {
    if (block.lang !== 'js' || block.partial) return
    const expected = block.code.split('\n').filter((line) => /^console\.log\(.*\) \/\/ /.test(line)).map((line) => line.replace(/^.*\) \/\/ /, ''))
    t.same(node([join(dir, files[index])]).trim().split('\n'), expected, `README line ${block.line} prints what its comments say`)
  })
  t.end()
})

test('every file the README links to is in the published package', (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const links = [...readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((match) => match[1]).filter((link) => !/^[a-z]+:/.test(link))
  t.ok(links.length >= 5, `${links.length} links`)
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
  const shipped = new Set(packed[0].files.map((file) => file.path))
  for (const link of new Set(links)) t.ok(shipped.has(link), `${link} is shipped`)
  t.end()
})
