import { z } from 'zod'

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
