import { z } from 'zod'

/**
 * Control characters and other invisible format characters (bidirectional overrides, zero-width
 * spaces): never wanted in what a person types for a printed document or a record; everything
 * else a name may contain (accents, apostrophes, hyphens) is.
 */
// eslint-disable-next-line no-control-regex
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/

/** The body of every error answer (see plugins/error-handler.ts). */
export const errorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  code: z.string(),
  message: z.string().describe('English message'),
  messageFr: z.string().describe('Message en français'),
  requestId: z.string(),
  details: z.array(z.object({ field: z.string().optional(), message: z.string() })).optional()
}).meta({ id: 'Error' })

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  500: errorSchema
}

export const langQuery = z.object({
  lang: z.enum(['fr', 'en'], { error: 'lang must be "fr" or "en"' }).optional()
})
