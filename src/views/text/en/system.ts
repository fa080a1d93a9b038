import type { system as fr } from '../fr/system.js'
import type { Strings } from '../strings.js'

export const system = {
} satisfies Strings<typeof fr>
