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

/** The French catalog, the reference: one section per domain. */
export const fr = { common, system, access, program, people, attendance, kiosk, synthesis, attestations, lti, messages, privacy } as const
