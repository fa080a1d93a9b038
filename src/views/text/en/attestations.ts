import type { attestations as fr } from '../fr/attestations.js'
import type { Strings } from '../strings.js'

export const attestations = {
} satisfies Strings<typeof fr>
