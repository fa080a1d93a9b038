import type { privacy as fr } from '../fr/privacy.js'
import type { Strings } from '../strings.js'

export const privacy = {
} satisfies Strings<typeof fr>
