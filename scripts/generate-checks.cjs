// Writes src/generated/checks.ts from the TypeBox schema (run by `npm run generate`, after a build).
const { writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { checksSource } = require('../dist/schema.js')

writeFileSync(join(__dirname, '..', 'src', 'generated', 'checks.ts'), checksSource())
