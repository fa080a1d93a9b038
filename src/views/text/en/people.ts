import type { people as fr } from '../fr/people.js'
import type { Strings } from '../strings.js'

export const people = {
} satisfies Strings<typeof fr>
