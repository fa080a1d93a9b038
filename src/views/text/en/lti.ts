import type { lti as fr } from '../fr/lti.js'
import type { Strings } from '../strings.js'

export const lti = {
} satisfies Strings<typeof fr>
