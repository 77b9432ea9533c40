// Writes src/config/generated/checks.ts from the TypeBox schema (run by `npm run generate`, which
// first bundles src/config/schema.ts, a build-time module the package does not ship).
const { writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { checksSource } = require('../node_modules/.cache/fastify-corsica/schema.cjs')

writeFileSync(join(__dirname, '..', 'src', 'config', 'generated', 'checks.ts'), checksSource())
