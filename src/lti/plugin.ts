import type { FastifyPluginAsync } from 'fastify'
import type { Clock } from '../clock.js'
import type { ResolvedConfig } from '../config.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import type { DynamicRegistration } from './dynamic-registration.js'
import launch from './launch.js'
import type { Ltijs } from './ltijs-provider.js'
import type { GradeOutbox } from './outbox.js'
import type { RosterSync } from './roster.js'
import { ltiRoutes } from './routes.js'
import type { LtiService } from './service.js'
import type { LtiStorage } from './storage.js'

export interface LtiPluginOptions {
  services: {
    clock: Clock
    lti: LtiService
    ltijs: Ltijs
    ltiStorage: LtiStorage
    ltiRegistration: DynamicRegistration
    gradeOutbox: GradeOutbox
    roster: RosterSync
    people: PeopleService
    program: ProgramService
    /** Courses where the person hands in a synthesis (links on the course page). */
    synthesisHandIn: { learnerCourses: (personId: string) => Promise<Array<{ id: string, title: string }>> }
  }
  config: ResolvedConfig
}

/** LTI 1.3: launches through ltijs under /lti, course pages, deep linking, registration, gradebooks. */
const lti: FastifyPluginAsync<LtiPluginOptions> = async (app, { services, config }) => {
  await app.register(launch, { services, config })
  await app.register(ltiRoutes, {
    people: services.people,
    program: services.program,
    lti: services.lti,
    registration: services.ltiRegistration,
    outbox: services.gradeOutbox,
    roster: services.roster,
    publicUrl: config.publicUrl,
    synthesisCourses: async personId => await services.synthesisHandIn.learnerCourses(personId)
  })
}
export default lti
