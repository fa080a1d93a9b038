import type { program as fr } from '../fr/program.js'
import type { Strings } from '../strings.js'

export const program = {
} satisfies Strings<typeof fr>
