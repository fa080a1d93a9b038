import t from 'tap'
import { sql, type Kysely } from 'kysely'
import { listedValueColumns, listedValues } from '../../src/db/schema-types.js'
import { freshDatabase } from '../helpers/database.js'

t.test('a text column whose CHECK lists its values is typed as their union, with null and Generated<> as the column asks', async t => {
  const database = await freshDatabase(t)
  await sql`CREATE TABLE listed_probe (
    listed_in text NOT NULL CHECK (listed_in IN ('a', 'b')),
    listed_any text NOT NULL CHECK (listed_any = ANY (ARRAY['a', 'b'])),
    array_literal text NOT NULL CHECK (array_literal = ANY ('{a,"b c"}')),
    one_value text NOT NULL CHECK (one_value IN ('only')),
    nullable text CHECK (nullable IN ('a', 'b')),
    defaulted text NOT NULL DEFAULT 'a' CHECK (defaulted IN ('a', 'b')),
    nullable_defaulted text DEFAULT 'a' CHECK (nullable_defaulted IN ('a', 'b')),
    quoted text NOT NULL CHECK (quoted IN ('it''s', 'say "hi"')),
    "order" text NOT NULL CHECK ("order" IN ('first', 'last')),
    two_lists text NOT NULL CHECK (two_lists IN ('a', 'b', 'c')) CHECK (two_lists IN ('b', 'c', 'd')),
    with_length text NOT NULL CHECK (length(with_length) < 10) CHECK (with_length IN ('a', 'b')),
    free text NOT NULL CHECK (length(free) < 10),
    excluded text NOT NULL CHECK (excluded NOT IN ('a', 'b')),
    or_null text CHECK (or_null IN ('a') OR or_null IS NULL),
    counted integer NOT NULL CHECK (counted IN (1, 2)),
    state text NOT NULL,
    done_at timestamptz,
    CHECK (state IN ('open', 'done') AND (state = 'done') = (done_at IS NOT NULL))
  )`.execute(database.db)
  const columns = await listedValueColumns(database.db as Kysely<unknown>)
  const probe = Object.fromEntries(Object.entries(columns).filter(([key]) => key.startsWith('listed_probe.')))
  t.same(probe, {
    'listed_probe.listed_in': '"a" | "b"',
    'listed_probe.listed_any': '"a" | "b"',
    'listed_probe.array_literal': '"a" | "b c"',
    'listed_probe.one_value': '"only"',
    'listed_probe.nullable': '"a" | "b" | null',
    'listed_probe.defaulted': 'Generated<"a" | "b">',
    'listed_probe.nullable_defaulted': 'Generated<"a" | "b" | null>',
    'listed_probe.quoted': '"it\'s" | "say \\"hi\\""',
    'listed_probe.order': '"first" | "last"',
    'listed_probe.two_lists': '"b" | "c"',
    'listed_probe.with_length': '"a" | "b"'
  }, 'free text, NOT IN, OR, integers and checks on two columns stay as kysely-codegen types them')
  t.equal(columns['registrations.role'], '"credited_student" | "participant" | "instructor" | "organizer" | "door_staff"', 'the migrations\' own columns are read too')
})

t.test('a CHECK of another shape lists no values', async t => {
  t.equal(listedValues("CHECK ((other = ANY (ARRAY['a'::text])))", 'status'), undefined, 'another column')
  t.equal(listedValues('CHECK ((status = lower(status)))', 'status'), undefined, 'an expression')
  t.equal(listedValues("CHECK ((status = ANY (ARRAY['a'::text, upper('b'::text)])))", 'status'), undefined, 'a computed element')
  t.equal(listedValues("CHECK ((status = ANY ('{a,NULL}'::text[])))", 'status'), undefined, 'a NULL element')
  t.same(listedValues("CHECK ((status = ANY (ARRAY['a, b'::text, 'c'::text])))", 'status'), ['a, b', 'c'], 'a comma inside a value')
})
