import { z } from 'zod'
import { resolve } from 'node:path'
import { attestationAssetsDir } from './paths.js'

/** Read once at start (server.ts, CLI tools); everything else receives the parsed object. */
const secret = z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)')

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://compagnon.example.org' }).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  PROGRAM_FILE: z.string().min(1).optional(),
  LTI_PLATFORMS_FILE: z.string().min(1).optional(),
  /** Size of the RSA key made for each registered LMS platform (it signs our messages to that platform). */
  LTI_KEY_BITS: z.enum(['2048', '3072', '4096'], { error: 'must be 2048, 3072 or 4096' }).default('4096').transform(Number),
  LTI_ALLOW_PRIVATE_URLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform(value => value === 'true')
    .describe('Dynamic registration may reach http and loopback/private-network addresses (development and tests with a local LMS); production keeps false: https to public addresses only'),
  ATTESTATION_ASSETS_DIR: z.string().min(1).optional(),
  ATTESTATION_DETAILS_DAYS: z.coerce.number().int().min(1).max(36500).default(365),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@smtp.example.org:465' }).optional(),
  MAIL_FROM: z.string().min(3).default('Compagnon <no-reply@localhost>'),
  SESSION_SECRET: secret.optional(),
  COOKIE_SECRET: secret.optional(),
  CODE_SECRET: secret.optional(),
  DEFAULT_LOCALE: z.enum(['fr', 'en']).default('fr'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Which peers may set X-Forwarded-For: `false` (none), or the proxies' addresses / CIDR ranges,
   * comma-separated (`127.0.0.1,10.0.0.0/8`). `true` trusts any peer: only when the app is
   * reachable solely through the proxy.
   */
  TRUST_PROXY: z.string().trim().min(1).default('false').transform((value, ctx) => {
    if (['0', 'false', 'no'].includes(value)) return false
    if (['1', 'true', 'yes'].includes(value)) return true
    const list = value.split(',').map(v => v.trim()).filter(v => v !== '')
    const bad = list.filter(v => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v) && !['loopback', 'linklocal', 'uniquelocal'].includes(v))
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be false, true, or proxy addresses / CIDR ranges separated by commas (not ${bad.join(', ')})` })
      return z.NEVER
    }
    return list
  }),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; otherwise only loopback may read it. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Loi 25: the person in charge of the protection of personal information, shown on the privacy notice. */
  PRIVACY_OFFICER_NAME: z.string().trim().min(2).default('Responsable de la protection des renseignements personnels'),
  PRIVACY_OFFICER_EMAIL: z.email({ error: 'must be an email address' }).optional(),
  PRIVACY_OFFICER_PHONE: z.string().trim().min(3).optional(),
  PRIVACY_OFFICER_EMAILS: z.string().trim().default('').transform((value, ctx) => {
    const list = value.split(',').map(v => v.trim().toLowerCase()).filter(v => v !== '')
    const bad = list.filter(v => !z.email().safeParse(v).success)
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be email addresses separated by commas (not ${bad.join(', ')})` })
      return z.NEVER
    }
    return list
  }).describe('Accounts (by email, comma-separated) of the privacy officers, who may erase a person who also belongs to other events; organizers erase only people who belong to their events alone'),
  // Loi 25 retention, in days after the end of the event the data belongs to (see README "Privacy").
  RETENTION_ATTENDANCE_DAYS: z.coerce.number().int().min(1).max(36500).default(730),
  RETENTION_SUBMISSIONS_DAYS: z.coerce.number().int().min(1).max(36500).default(365),
  RETENTION_MESSAGES_DAYS: z.coerce.number().int().min(1).max(36500).default(180),
  RETENTION_PEOPLE_DAYS: z.coerce.number().int().min(1).max(36500).default(1095),
  RETENTION_ACCESS_LOG_DAYS: z.coerce.number().int().min(1).max(36500).default(1095)
})

export type Env = z.infer<typeof envSchema>

export interface Secrets {
  /** Signs our short-lived session JWTs. */
  sessionSecret: string
  /** Signs cookies. */
  cookieSecret: string
  /** HMAC key for codes derived without shared state (rotating room codes, passes). */
  codeSecret: string
}

export interface Config {
  env: Env['NODE_ENV']
  port: number
  host: string
  publicUrl: string
  database: { kind: 'postgres', url: string, poolMax: number } | { kind: 'embedded', dataDir: string }
  dataDir: string
  programFile: string | undefined
  /** JSON file of LTI platform registrations applied at start. */
  ltiPlatformsFile: string | undefined
  /** RSA modulus of the tool key made for each platform at registration (4096 by default). */
  ltiKeyBits: number
  /** Dynamic registration may reach http, loopback and private addresses (development, tests). */
  ltiAllowPrivateUrls: boolean
  /** Folder of the attestation's texts, layout, fonts and signature (default reports/attestation). */
  attestationAssetsDir: string
  /**
   * Loi 25: days after issue during which the public verification page shows an attestation's
   * whole content (sessions, employer); afterwards only name, title, dates, hours, status and the hash check.
   */
  attestationDetailsDays: number
  /** Outgoing email; without it messages are stored for organizers to read (nothing depends on email). */
  smtp: { url: string, from: string } | undefined
  defaultLocale: 'fr' | 'en'
  logLevel: Env['LOG_LEVEL']
  /** Fastify's trustProxy: false, true, or the addresses / CIDR ranges of the trusted proxies. */
  trustProxy: boolean | string[]
  /** Bearer token for GET /metrics; without it /metrics answers loopback callers only. */
  metricsToken: string | undefined
  /** Loi 25: who answers for the protection of personal information (privacy notice). */
  privacyOfficer: { name: string, email: string | undefined, phone: string | undefined }
  /** Loi 25: accounts (lower-case emails) that may erase a person across events. */
  privacyOfficerEmails: string[]
  /** Loi 25: days after the end of an event before each kind of data is purged or anonymised. */
  retention: { attendanceDays: number, submissionsDays: number, messagesDays: number, peopleDays: number, accessLogDays: number }
  /** Secrets given in the environment; embedded mode fills the missing ones from DATA_DIR. */
  secrets: Partial<Secrets>
}

export type ResolvedConfig = Omit<Config, 'secrets'> & { secrets: Secrets }

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig (environment: Record<string, string | undefined> = process.env): Config {
  // An empty variable (`FOO=`) means "not set", as shells and compose files commonly produce.
  const cleaned = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(issue => {
      const name = String(issue.path[0] ?? '(environment)')
      const given = cleaned[name]
      const shown = given === undefined || /SECRET|SMTP_URL|TOKEN/.test(name) ? '' : ` (got ${JSON.stringify(given)})`
      return `  - ${name}: ${issue.message}${shown}`
    })
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  const dataDir = resolve(env.DATA_DIR)
  const shownHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST
  const secrets: Partial<Secrets> = {}
  if (env.SESSION_SECRET !== undefined) secrets.sessionSecret = env.SESSION_SECRET
  if (env.COOKIE_SECRET !== undefined) secrets.cookieSecret = env.COOKIE_SECRET
  if (env.CODE_SECRET !== undefined) secrets.codeSecret = env.CODE_SECRET
  if (env.DATABASE_URL !== undefined) {
    const missing = (['SESSION_SECRET', 'COOKIE_SECRET', 'CODE_SECRET'] as const).filter(k => env[k] === undefined)
    if (missing.length > 0) {
      throw new ConfigError(`Invalid configuration:\n${missing.map(k => `  - ${k}: required when DATABASE_URL is set (several instances must share it; generate one with \`openssl rand -base64 48\`)`).join('\n')}`)
    }
  }
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${env.PORT}`).replace(/\/+$/, ''),
    database: env.DATABASE_URL !== undefined
      ? { kind: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
      : { kind: 'embedded', dataDir },
    dataDir,
    programFile: env.PROGRAM_FILE !== undefined ? resolve(env.PROGRAM_FILE) : undefined,
    ltiPlatformsFile: env.LTI_PLATFORMS_FILE !== undefined ? resolve(env.LTI_PLATFORMS_FILE) : undefined,
    ltiKeyBits: env.LTI_KEY_BITS,
    ltiAllowPrivateUrls: env.LTI_ALLOW_PRIVATE_URLS,
    attestationAssetsDir: env.ATTESTATION_ASSETS_DIR !== undefined ? resolve(env.ATTESTATION_ASSETS_DIR) : attestationAssetsDir,
    attestationDetailsDays: env.ATTESTATION_DETAILS_DAYS,
    smtp: env.SMTP_URL !== undefined ? { url: env.SMTP_URL, from: env.MAIL_FROM } : undefined,
    defaultLocale: env.DEFAULT_LOCALE,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    metricsToken: env.METRICS_TOKEN,
    privacyOfficer: { name: env.PRIVACY_OFFICER_NAME, email: env.PRIVACY_OFFICER_EMAIL, phone: env.PRIVACY_OFFICER_PHONE },
    privacyOfficerEmails: env.PRIVACY_OFFICER_EMAILS,
    retention: {
      attendanceDays: env.RETENTION_ATTENDANCE_DAYS,
      submissionsDays: env.RETENTION_SUBMISSIONS_DAYS,
      messagesDays: env.RETENTION_MESSAGES_DAYS,
      peopleDays: env.RETENTION_PEOPLE_DAYS,
      accessLogDays: env.RETENTION_ACCESS_LOG_DAYS
    },
    secrets
  }
}
