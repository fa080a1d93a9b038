import { createHmac, timingSafeEqual } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/**
 * Room codes rotate every WINDOW_SECONDS. They are derived, not stored: an HMAC of the session
 * and the time window with the server's CODE_SECRET, so any number of app instances agree
 * without sharing state. The current and the previous window are accepted (clock skew, slow
 * scans); anything older is a stale photo or a forwarded link.
 */
export const WINDOW_SECONDS = 30

export const windowOf = (at: Date): number => Math.floor(at.getTime() / 1000 / WINDOW_SECONDS)
export const windowEndsAt = (window: number): Date => new Date((window + 1) * WINDOW_SECONDS * 1000)
/** The instant a room code of this window stops being accepted (its window and the next one). */
export const codeValidUntil = (window: number): Date => windowEndsAt(window + 1)

const mac = (secret: string, message: string): Buffer => createHmac('sha256', secret).update(message).digest()

// Every phone in a room checks the same few tokens: compute each once.
const roomTokens = new LRUCache<string, string>({ max: 10_000 })

/** The secret part of a room QR URL for one session and window (base64url, 96 bits). */
export function roomToken (secret: string, sessionId: string, window: number): string {
  const message = `room:${sessionId}:${window}`
  const key = `${secret}\u0000${message}`
  let token = roomTokens.get(key)
  if (token === undefined) {
    token = mac(secret, message).subarray(0, 12).toString('base64url')
    roomTokens.set(key, token)
  }
  return token
}

/** The short code typed by people who cannot scan: 6 digits. */
export function typedCode (secret: string, sessionId: string, window: number): string {
  return String(mac(secret, `typed:${sessionId}:${window}`).readUInt32BE(0) % 1_000_000).padStart(6, '0')
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export type RoomCodeCheck = 'valid' | 'expired' | 'invalid'

/** Whether a scanned room token is current (this or the previous window), a stale one, or forged. */
export function checkRoomToken (secret: string, sessionId: string, window: number, token: string, now: Date): RoomCodeCheck {
  const current = windowOf(now)
  if (!same(roomToken(secret, sessionId, window), token)) return 'invalid'
  if (window > current + 1) return 'invalid'
  return window >= current - 1 ? 'valid' : 'expired'
}

// Crockford's base32 (no I, L, O, U): easy to read on a badge and to type.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A person's pass code, 10 characters (50 bits), derived from the secret and the pass version. */
export function passCode (secret: string, personId: string, version: number): string {
  const bytes = mac(secret, `pass:${personId}:${version}`)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < 10) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    if (out.length === 10) break
  }
  return out
}

/** What people type or scanners read, normalised: case, spaces, dashes, and the letters Crockford maps. */
export function normalisePassCode (input: string): string {
  const match = /\/pass\/([^/?#]+)/.exec(input)
  const raw = match?.[1] ?? input
  return raw.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
}

/** Shown grouped for reading: ABCDE-FGHJK. */
export const formatPassCode = (code: string): string => `${code.slice(0, 5)}-${code.slice(5)}`
