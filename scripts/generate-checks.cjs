// Writes src/config/generated/checks.ts from the TypeBox schema (run by `npm run generate`, after a build).
const { writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { checksSource } = require('../dist/config/schema.js')

writeFileSync(join(__dirname, '..', 'src', 'config', 'generated', 'checks.ts'), checksSource())
