import type { FastifyPluginAsync } from 'fastify'
import type { Clock } from '../clock.js'
import type { PeopleService } from '../people/service.js'
import type { ProgramService } from '../program/service.js'
import type { CredentialService } from './credentials.js'
import type { AttestationDecisions } from './decisions.js'
import type { AttestationIssuance } from './issuance.js'
import { attestationJobRoutes } from './job-routes.js'
import type { AttestationJobs } from './jobs.js'
import { attestationPageRoutes } from './page-routes.js'
import { reportRoutes } from './report-routes.js'
import type { ReportService } from './reports.js'
import { attestationRoutes } from './routes.js'
import { verificationRoutes } from './verification-routes.js'
import type { VerificationService } from './verification.js'

export interface AttestationsPluginOptions {
  services: {
    clock: Clock
    attestations: AttestationIssuance
    attestationDecisions: AttestationDecisions
    attestationJobs: AttestationJobs
    reports: ReportService
    verification: VerificationService
    credentials: CredentialService
    people: PeopleService
    program: ProgramService
  }
}

/** Attestations: requests and issuance (API and pages), public verification, bulk jobs, reports. */
const attestations: FastifyPluginAsync<AttestationsPluginOptions> = async (app, { services }) => {
  await app.register(attestationRoutes, { attestations: services.attestations, decisions: services.attestationDecisions })
  await app.register(attestationPageRoutes, {
    attestations: services.attestations,
    decisions: services.attestationDecisions,
    people: services.people,
    program: services.program,
    clock: services.clock
  })
  await app.register(verificationRoutes, { verification: services.verification, credentials: services.credentials })
  await app.register(attestationJobRoutes, { jobs: services.attestationJobs })
  await app.register(reportRoutes, { reports: services.reports })
}
export default attestations
