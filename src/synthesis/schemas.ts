import { z } from 'zod'

export const FILE_KINDS = ['pdf', 'docx', 'odt'] as const
export type AllowedKind = typeof FILE_KINDS[number]

const bilingual = (max: number) => z.object({ fr: z.string().trim().min(1).max(max), en: z.string().trim().min(1).max(max) })
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'ids are lowercase letters, digits and dashes (max 40)')

export const rubricSchema = z.object({
  criteria: z.array(z.object({
    id: slug,
    title: bilingual(200),
    levels: z.array(z.object({ id: slug, label: bilingual(200), points: z.number().min(0).max(1000) })).min(2, 'a criterion needs at least two levels').max(10)
  })).min(1, 'a rubric needs at least one criterion').max(20)
}).superRefine((rubric, ctx) => {
  const ids = new Set<string>()
  for (const [i, c] of rubric.criteria.entries()) {
    if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `criterion id "${c.id}" is used twice` })
    ids.add(c.id)
    const levels = new Set(c.levels.map(l => l.id))
    if (levels.size !== c.levels.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria', i, 'levels'],
        message: 'level ids must be unique within a criterion'
      })
    }
  }
}).meta({ id: 'SynthesisRubric' })
export type Rubric = z.infer<typeof rubricSchema>

/** The most a rubric can give: the best level of every criterion. */
export const rubricMaximum = (rubric: Rubric): number => rubric.criteria.reduce((sum, c) => sum + Math.max(...c.levels.map(l => l.points)), 0)

export const assignmentSchema = z.object({
  id: z.uuid(),
  contextId: z.uuid(),
  title: z.string(),
  instructions: z.object({ fr: z.string(), en: z.string() }),
  opensAt: z.date(),
  dueAt: z.date(),
  graceMinutes: z.number().int(),
  acceptLate: z.boolean(),
  lateUntil: z.date().nullable(),
  maxPoints: z.number(),
  allowedTypes: z.array(z.enum(FILE_KINDS)),
  maxFileBytes: z.number().int(),
  maxFiles: z.number().int(),
  rubric: rubricSchema.nullable()
}).meta({ id: 'SynthesisAssignment' })
export type Assignment = z.infer<typeof assignmentSchema>

/** What an instructor may change; every field optional (PATCH semantics). */
export const assignmentSettingsSchema = z.object({
  title: z.string().trim().min(1).max(200).optional(),
  instructions: z.object({ fr: z.string().max(20_000), en: z.string().max(20_000) }).optional(),
  opensAt: z.coerce.date({ error: 'opensAt must be a date and time (ISO 8601)' }).optional(),
  dueAt: z.coerce.date({ error: 'dueAt must be a date and time (ISO 8601)' }).optional(),
  graceMinutes: z.number().int().min(0).max(1440).optional(),
  acceptLate: z.boolean().optional(),
  lateUntil: z.coerce.date({ error: 'lateUntil must be a date and time (ISO 8601)' }).nullable().optional(),
  maxPoints: z.number().positive().max(1000).optional(),
  allowedTypes: z.array(z.enum(FILE_KINDS, { error: 'allowed types are pdf, docx and odt' })).min(1).max(FILE_KINDS.length).optional(),
  maxFileMegabytes: z.number().positive().max(100).optional(),
  maxFiles: z.number().int().min(0).max(20).optional(),
  rubric: rubricSchema.nullable().optional()
}).strict().meta({ id: 'SynthesisSettings' })
export type AssignmentSettings = z.infer<typeof assignmentSettingsSchema>

export const receiptSchema = z.object({
  submissionId: z.uuid(),
  version: z.number().int(),
  submittedAt: z.date(),
  late: z.boolean(),
  dueAt: z.date(),
  text: z.object({ characters: z.number().int(), sha256: z.string() }).nullable(),
  files: z.array(z.object({ position: z.number().int(), filename: z.string(), mediaType: z.string(), size: z.number().int(), sha256: z.string() }))
}).meta({ id: 'SynthesisReceipt' })
export type Receipt = z.infer<typeof receiptSchema>

export const windowSchema = z.object({
  state: z.enum(['not_open', 'open', 'late', 'closed']),
  opensAt: z.date(),
  dueAt: z.date().describe('Due time for this student (an extension replaces the course\'s)'),
  closesAt: z.date().nullable().describe('Last moment a hand-in is accepted (null: late work accepted without limit)'),
  extended: z.boolean()
}).meta({ id: 'SynthesisWindow' })

export const gradeSchema = z.object({
  score: z.number().nullable(),
  maxPoints: z.number(),
  rubricLevels: z.record(z.string(), z.string()).nullable(),
  feedback: z.string(),
  state: z.enum(['draft', 'published']),
  updatedAt: z.date(),
  publishedAt: z.date().nullable()
}).meta({ id: 'SynthesisGrade' })

export const gradeInputSchema = z.object({
  score: z.number({ error: 'score must be a number' }).min(0, 'score cannot be negative').optional(),
  rubricLevels: z.record(slug, slug).optional().describe('Chosen level id per criterion id; the score is their sum'),
  feedback: z.string().max(20_000).default(''),
  publish: z.boolean().default(false)
}).strict().meta({ id: 'SynthesisGradeRequest' })
export type GradeInput = z.infer<typeof gradeInputSchema>

export const studentStatusSchema = z.enum(['not_submitted', 'submitted', 'late', 'graded'])
export type StudentStatus = z.infer<typeof studentStatusSchema>
