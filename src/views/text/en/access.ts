import type { access as fr } from '../fr/access.js'
import type { Strings } from '../strings.js'

export const access = {
} satisfies Strings<typeof fr>
