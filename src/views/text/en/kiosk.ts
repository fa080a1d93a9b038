import type { kiosk as fr } from '../fr/kiosk.js'
import type { Strings } from '../strings.js'

export const kiosk = {
} satisfies Strings<typeof fr>
