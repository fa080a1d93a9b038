// Runs the suite's TypeScript (tap's node-arg `--import=./test/helpers/typescript.mjs`).
import { register } from 'node:module'

register('./typescript-hooks.mjs', import.meta.url)
