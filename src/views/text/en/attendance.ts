import type { attendance as fr } from '../fr/attendance.js'
import type { Strings } from '../strings.js'

export const attendance = {
} satisfies Strings<typeof fr>
