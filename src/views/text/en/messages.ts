import type { messages as fr } from '../fr/messages.js'
import type { Strings } from '../strings.js'

export const messages = {
} satisfies Strings<typeof fr>
