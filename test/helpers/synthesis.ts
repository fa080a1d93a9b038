import { createHash } from 'node:crypto'
import { FixedClock } from '../../src/clock.js'
import { testApp, type TestApp } from './app.js'
import { given, type Role } from './given.js'
import { ROLES, startPlatform, type SimulatedPlatform } from './lti-platform.js'

/** Friday 24 October 2025 in Montréal (the synthesis runs 09:00–12:15). */
export const friday = (local: string): Date => new Date(`2025-10-24T${local}:00-04:00`)

export interface Person { id: string, sub: string, bearer: string }
export interface SynthesisCtx extends TestApp {
  base: string
  platform: SimulatedPlatform
  contextId: string
  otherContextId: string
  prof: Person
  otherProf: Person
  ana: Person
  ben: Person
  participant: Person
}

/**
 * The ENP7009 course launched from a simulated platform (its AGS endpoint is real HTTP), with an
 * instructor, two credited students, a non-credit participant, and a second course with its own
 * instructor. The app listens on 127.0.0.1 so uploads go through a real socket.
 */
export async function synthesisSetup (t: Parameters<typeof testApp>[0], at = friday('10:00')): Promise<SynthesisCtx> {
  const ctx = await testApp(t, { clock: new FixedClock(at) })
  const base = await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const platform = await startPlatform(t)
  platform.setTool({ jwksUrl: `${base}/lti/keys` })
  const { deploymentId, ...reg } = platform.registration()
  await ctx.services.lti.registerPlatform({ ...reg, deploymentIds: [deploymentId] })
  const g = given(ctx)
  const course = async (contextId: string, title: string): Promise<string> => await g.course({
    issuer: platform.issuer, clientId: platform.clientId, deploymentId, contextId, title, lineItemsUrl: platform.lineItemsUrl
  })
  const contextId = await course('ENP7009-A2025', 'Mobilisation des acteurs locaux')
  const otherContextId = await course('ENP7010-A2025', 'Un autre cours')
  const person = async (name: string, role: Role, ltiRole: string | null, inContext = contextId): Promise<Person> => {
    const sub = `moodle-${name.toLowerCase()}`
    const made = g.as(role, { name, email: `${name.toLowerCase()}@enap.ca` })
    const row = await (ltiRole === null ? made : made.onRoster(inContext, { sub, roles: [ltiRole] })).withBearer()
    return { id: row.id, sub, bearer: row.bearer }
  }
  const prof = await person('Élise', 'instructor', ROLES.Instructor)
  const otherProf = await person('Omar', 'instructor', ROLES.Instructor, otherContextId)
  const ana = await person('Anaïs', 'credited_student', ROLES.Learner)
  const ben = await person('Benoît', 'credited_student', ROLES.Learner)
  const participant = await person('Paule', 'participant', null)
  return { ...ctx, base, platform, contextId, otherContextId, prof, otherProf, ana, ben, participant }
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

/** A small but real PDF (file-type recognises it by its header). */
export const pdfBytes = (text = 'Synthèse'): Buffer => Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
    `% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'utf8')

export interface Upload { name: string, bytes: Buffer, type?: string }

/** POSTs a multipart hand-in over real HTTP (as a browser or API client would). */
export async function handIn (
  ctx: SynthesisCtx,
  who: Person | null,
  fields: { text?: string, keep?: number[], files?: Upload[] },
  contextId = ctx.contextId
): Promise<{ status: number, body: any }> {
  const form = new FormData()
  if (fields.text !== undefined) form.append('text', fields.text)
  for (const k of fields.keep ?? []) form.append('keep', String(k))
  for (const f of fields.files ?? []) form.append('files', new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name)
  const res = await fetch(`${ctx.base}/api/v1/courses/${contextId}/synthesis/submissions`, {
    method: 'POST',
    body: form,
    headers: who === null ? {} : { authorization: who.bearer }
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? null : JSON.parse(text) }
}

export async function api (
  ctx: SynthesisCtx,
  who: Person | null,
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE',
  url: string,
  payload?: unknown
): Promise<{ statusCode: number, json: () => any, body: string }> {
  return await ctx.app.inject({
    method,
    url,
    headers: who === null ? {} : { authorization: who.bearer },
    ...(payload !== undefined ? { payload: payload as object } : {})
  })
}

/** The synthesis outbox rows for a student, oldest first (what will reach the LMS). */
export async function outboxOf (ctx: SynthesisCtx, who: Person): Promise<Array<{ status: string, score: any }>> {
  return await ctx.database.db.selectFrom('lti_grade_outbox').select(['status', 'score'])
    .where('line_item', '=', 'synthese').where('user_sub', '=', who.sub).orderBy('given_at').orderBy('created_at')
    .execute()
}
