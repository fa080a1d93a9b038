import type { fr } from '../fr/index.js'
import type { Strings } from '../strings.js'
import { access } from './access.js'
import { attendance } from './attendance.js'
import { attestations } from './attestations.js'
import { common } from './common.js'
import { kiosk } from './kiosk.js'
import { lti } from './lti.js'
import { messages } from './messages.js'
import { people } from './people.js'
import { privacy } from './privacy.js'
import { program } from './program.js'
import { synthesis } from './synthesis.js'
import { system } from './system.js'

/** The English catalog: the French sections and keys, no more, no less. */
export const en = {
  common, system, access, program, people, attendance, kiosk, synthesis, attestations, lti, messages, privacy
} satisfies { [D in keyof typeof fr]: Strings<typeof fr[D]> }
