import type { synthesis as fr } from '../fr/synthesis.js'
import type { Strings } from '../strings.js'

export const synthesis = {
} satisfies Strings<typeof fr>
