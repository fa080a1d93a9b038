import { sql, type Kysely } from 'kysely'

/** Rows in each table, in one statement. */
export async function countRows (db: Kysely<any>, tables: readonly string[]): Promise<Record<string, number>> {
  const query = tables.map(name => `select '${name}' as t, count(*)::int as n from "${name.replace(/"/g, '""')}"`).join(' union all ')
  const rows = (await sql.raw<{ t: string, n: number }>(query).execute(db)).rows
  return Object.fromEntries(rows.map(r => [r.t, Number(r.n)]))
}

/** How the count of each table that changed moved: `{ table: after - before }` (empty when nothing did). */
export function rowDeltas (before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys({ ...before, ...after }).filter(k => before[k] !== after[k]).map(k => [k, (after[k] ?? 0) - (before[k] ?? 0)]))
}
