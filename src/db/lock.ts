import lockfile from 'proper-lockfile'
import { readFile, writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '../config.js'

export interface DataDirLock { release: () => Promise<void> }

/**
 * PGlite is single-process: two processes opening the same data directory corrupt it.
 * The server and every CLI tool take this lock first; a second one is refused with a
 * message saying who holds it and what to do instead.
 */
export async function acquireDataDirLock (dataDir: string, holder: string): Promise<DataDirLock> {
  const ownerFile = join(dataDir, 'embedded-db.owner')
  let releaseLock: () => Promise<void>
  try {
    releaseLock = await lockfile.lock(dataDir, {
      lockfilePath: join(dataDir, 'embedded-db.lock'),
      stale: 15_000,
      update: 5_000,
      realpath: false,
      onCompromised: (err) => {
        // Another process took the lock (e.g. ours was paused for longer than `stale`).
        // Continuing would risk the data: stop.
        process.emitWarning(`Embedded database lock compromised: ${err.message}`)
        process.exit(70)
      }
    })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err
    const owner = await readFile(ownerFile, 'utf8').catch(() => 'another process')
    throw new ConfigError(
      `The embedded database in ${dataDir} is in use by ${owner.trim()}.\n` +
      'PGlite allows one process at a time: stop the running server first, do this from the running app ' +
      '(organizer pages), or run against PostgreSQL with DATABASE_URL.'
    )
  }
  await writeFile(ownerFile, `${holder} (pid ${process.pid}, since ${new Date().toISOString()})\n`)
  return {
    release: async () => {
      await rm(ownerFile, { force: true })
      await releaseLock()
    }
  }
}
