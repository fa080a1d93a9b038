import { constants, copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { systemClock } from '../clock.js'
import { ConfigError, loadConfig } from '../config.js'
import { acquireDataDirLock } from '../db/lock.js'

/** The lock of the running process: never part of a copy. */
const LOCK_FILES = new Set(['embedded-db.lock', 'embedded-db.owner'])

/**
 * `npm run db:backup -- DEST`: a consistent copy of the embedded database (DATA_DIR: the
 * PostgreSQL files in pgdata/ and the generated secrets) into a new directory.
 *
 * It takes the same lock as the server, so it refuses while a server (or another tool) has the
 * directory open: a copy taken under a running PGlite may catch half-written pages. Restoring
 * is copying the backup back as DATA_DIR while no server runs (docs/admin/backups.md).
 * With DATABASE_URL it refuses and names pg_dump, which copies a live PostgreSQL consistently.
 */
async function main (): Promise<void> {
  const args = process.argv.slice(2)
  if (args.length !== 1 || args[0]?.startsWith('-') === true) throw new ConfigError('Usage: npm run db:backup -- DEST_DIR   (a new or empty directory)')
  const config = loadConfig(process.env)
  if (config.database.kind === 'postgres') {
    throw new ConfigError('DATABASE_URL is set: back up PostgreSQL with pg_dump, e.g.\n  pg_dump --format=custom --file=compagnon.dump ' +
      '"$DATABASE_URL"\n(docs/admin/backups.md; on a running server, /aide/admin/backups.html).')
  }
  const source = config.database.dataDir
  const dest = resolve(args[0] ?? '')
  if (!(await isDirectory(join(source, 'pgdata')))) {
    throw new ConfigError(`No embedded database in ${source} (no pgdata/): nothing to back up. ` +
      'Set DATA_DIR to the server\'s data directory.')
  }
  if (dest === source || dest.startsWith(`${source}/`)) throw new ConfigError(`The backup must go outside DATA_DIR (${source}).`)
  if ((await readdir(dest).catch(() => [])).length > 0) throw new ConfigError(`${dest} is not empty: give a new or empty directory.`)

  const lock = await acquireDataDirLock(source, 'npm run db:backup')
  try {
    // It holds the secrets: readable by this user only, like DATA_DIR/secrets.json.
    await mkdir(dest, { recursive: true, mode: 0o700 })
    for (const entry of await readdir(source)) {
      if (LOCK_FILES.has(entry)) continue
      await copyTree(join(source, entry), join(dest, entry))
    }
    await writeFile(join(dest, 'BACKUP.txt'),
      `Compagnon embedded database, copied from ${source} on ${systemClock.now().toISOString()} with no process using it.\n` +
      'Restore: stop the server, then copy this directory as DATA_DIR (docs/admin/backups.md in Compagnon\'s guide).\n')
  } finally {
    await lock.release()
  }
  console.log(`Backed up ${source} to ${dest}`)
}

// Not bootstrap's runCli: this tool opens no database, and loading the app's modules would
// take longer than the copy.
main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = err instanceof ConfigError ? 2 : 1
})

/**
 * Files and directories only (what PGlite and the secrets are made of), copied in parallel:
 * fs.cp takes about five times longer on pgdata's thousand small files. copyFile keeps each
 * file's mode (secrets.json stays 0600) and never overwrites.
 */
async function copyTree (from: string, to: string): Promise<void> {
  const info = await stat(from)
  if (!info.isDirectory()) {
    await copyFile(from, to, constants.COPYFILE_EXCL)
    return
  }
  await mkdir(to, { mode: 0o700 })
  const entries = await readdir(from, { withFileTypes: true })
  await Promise.all(entries.map(async entry => {
    if (!entry.isDirectory() && !entry.isFile()) throw new Error(`Not a file or directory, not copied: ${join(from, entry.name)}`)
    await copyTree(join(from, entry.name), join(to, entry.name))
  }))
}

async function isDirectory (path: string): Promise<boolean> {
  return await stat(path).then(s => s.isDirectory(), () => false)
}
