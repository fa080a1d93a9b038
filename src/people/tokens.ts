import { createHash, randomBytes } from 'node:crypto'

/** Tokens are stored only as this hash: a leaked table opens nothing. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')

/** 256 random bits, URL-safe (43 characters). */
export const newToken = (): string => randomBytes(32).toString('base64url')

/**
 * Whether a link's token has the shape of ours (a cut or mistyped link does not): checked by the
 * link pages themselves, so such a link gets a page that says what to do, not a field error.
 */
export const tokenShaped = (value: string): boolean => /^[A-Za-z0-9_-]{20,100}$/.test(value)
