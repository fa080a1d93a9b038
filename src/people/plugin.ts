import type { FastifyPluginAsync } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import type { LtiService } from '../lti/service.js'
import type { ProgramService } from '../program/service.js'
import type { AccountLinks } from './account-links.js'
import { accountLinkRoutes } from './account-links-routes.js'
import { roleInvitationRoutes } from './role-invitation-routes.js'
import { peopleRoutes } from './routes.js'
import type { SelfServiceLinks } from './self-service.js'
import { selfServiceRoutes } from './self-service-routes.js'
import type { PeopleService } from './service.js'

export interface PeoplePluginOptions {
  services: {
    people: PeopleService
    program: ProgramService
    selfServiceLinks: SelfServiceLinks
    accountLinks: AccountLinks
    lti: Pick<LtiService, 'platforms'>
  }
  config: ResolvedConfig
}

/**
 * People: sign-in links and device sessions, the organizer area (team, participants, program
 * import), a person's own page (/moi) with linked accounts and role invitations, and the links
 * people send themselves. (Authentication itself is request plumbing: authentication.ts.)
 */
const people: FastifyPluginAsync<PeoplePluginOptions> = async (app, { services, config }) => {
  await app.register(peopleRoutes, { people: services.people, program: services.program, lti: services.lti, publicUrl: config.publicUrl })
  await app.register(selfServiceRoutes, { links: services.selfServiceLinks })
  await app.register(accountLinkRoutes, { links: services.accountLinks, people: services.people })
  await app.register(roleInvitationRoutes, { people: services.people })
}
export default people
