import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/** Data access of self-service and operator sign-in links. Functions take a Kysely handle so services can pass a transaction. */
type Q = Kysely<DB>

export interface LinkOwner { id: string, display_name: string, email: string, preferred_locale: string }

/** The live (not erased) person holding this email address, compared without case. */
export async function findLinkOwner (db: Q, email: string): Promise<LinkOwner | undefined> {
  const row = await db.selectFrom('people').select(['id', 'display_name', 'email', 'preferred_locale'])
    .where(eb => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .where('anonymised_at', 'is', null)
    .executeTakeFirst()
  return row?.email == null ? undefined : { ...row, email: row.email }
}

export async function insertAccountAudit (db: Q, values: {
  at: Date
  actor_id: string | null
  actor_label: string
  action: string
  subject_person_id: string
  details: Record<string, unknown> | null
}): Promise<void> {
  await db.insertInto('account_audit').values({ ...values, details: values.details === null ? null : JSON.stringify(values.details) }).execute()
}
