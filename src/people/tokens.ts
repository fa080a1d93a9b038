import { createHash, randomBytes } from 'node:crypto'

/** Tokens are stored only as this hash: a leaked table opens nothing. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/** 256 random bits, URL-safe (43 characters). */
export const newToken = (): string => randomBytes(32).toString('base64url')
