import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { projectRoot } from '../paths.js'
import { generateSchemaTypes } from '../db/schema-types.js'

const target = join(projectRoot, 'src', 'db', 'schema.ts')
await writeFile(target, await generateSchemaTypes())
console.log(`wrote ${target}`)
