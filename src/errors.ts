import { bilingual } from './views/i18n.js'

/**
 * Typed application errors. Services and repositories throw these (or let database
 * errors through); one handler in plugins/error-handler.ts maps them to HTTP answers,
 * so no route decides status codes for failures by itself.
 */
export type ErrorCode =
  | 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict'
  | 'payload_too_large' | 'unsupported_media_type' | 'too_many_requests' | 'unavailable'

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503
}

/** A message in both languages: API clients read `message` (English), pages pick by locale. */
export interface Bilingual { fr: string, en: string }

export class AppError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly text: Bilingual
  readonly details: unknown

  constructor (code: ErrorCode, text: Bilingual, details?: unknown) {
    super(text.en)
    this.name = 'AppError'
    this.code = code
    this.statusCode = statusOf[code]
    this.text = text
    this.details = details
  }
}

export const notFound = (what: Bilingual): AppError => new AppError('not_found', what)
export const badRequest = (text: Bilingual, details?: unknown): AppError => new AppError('bad_request', text, details)
export const conflict = (text: Bilingual, details?: unknown): AppError => new AppError('conflict', text, details)
export const unauthorized = (text: Bilingual = bilingual('system.signInRequired')): AppError => new AppError('unauthorized', text)
export const forbidden = (text: Bilingual = bilingual('system.accessDenied')): AppError => new AppError('forbidden', text)

/**
 * A program data file (src/program/data-file.ts) that does not parse or validate, with each
 * problem by its place in the file. Here rather than in program/: the error handler (a 400 with
 * the list) and bootstrap (a startup failure) both recognise it.
 */
export class ProgramFileError extends Error {
  constructor (readonly source: string, readonly problems: string[]) {
    super(`${source}: invalid program file:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.name = 'ProgramFileError'
  }
}
