import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { projectRoot } from '../../src/paths.js'
import { TEST_LTI_KEY_BITS, testSecrets } from './app.js'
import { childEntry } from './build.js'

/**
 * The servers and tools tests start run src/ compiled once per run (helpers/build.ts), and keep
 * WebAssembly (PGlite) on V8's baseline compiler as the test processes do (package.json's tap
 * node-arg): optimising the same 10 MB module again in every short-lived process cost a quarter
 * of the suite's CPU and never paid back.
 */
function childArgs (script: string): string[] {
  const { nodeArgs, file } = childEntry(script)
  return [...nodeArgs, '--liftoff-only', file]
}

export interface Run { code: number | null, stdout: string, stderr: string }

/** The environment a child process gets: no inherited database or secrets unless given. */
export function childEnv (extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const { DATABASE_URL: _a, TEST_DATABASE_URL: _b, SESSION_SECRET: _c, COOKIE_SECRET: _d, CODE_SECRET: _e, NODE_OPTIONS: _f, ...rest } = process.env
  return { ...rest, LOG_LEVEL: 'warn', LTI_KEY_BITS: TEST_LTI_KEY_BITS, LTI_ALLOW_PRIVATE_URLS: 'true', ...extra }
}

/** Environment for PostgreSQL mode: the database URL plus the secrets it requires. */
export function postgresEnv (url: string): Record<string, string> {
  return { DATABASE_URL: url, SESSION_SECRET: testSecrets.sessionSecret, COOKIE_SECRET: testSecrets.cookieSecret, CODE_SECRET: testSecrets.codeSecret }
}

/** Runs one of our entry points (src/...) in a child process, as `npm run` would. */
export async function runTs (script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...childArgs(script), ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')) })
    })
  })
}

export interface Started { child: ChildProcess, base: string, ms: number, output: () => string }

/** Starts src/server.ts on a free port and waits for its first answered request. */
export async function startServer (env: NodeJS.ProcessEnv, port?: number): Promise<Started> {
  const listenOn = port ?? await freePort()
  const startedAt = Date.now()
  const child = spawn(process.execPath, childArgs('src/server.ts'), {
    cwd: projectRoot,
    env: { ...env, PORT: String(listenOn) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  const base = `http://127.0.0.1:${listenOn}`
  // Polled: the server is another process, which says nothing when ready (it logs warnings only),
  // and /ready is what a load balancer asks too (it also checks the database).
  while (Date.now() - startedAt < 120_000) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`)
    const ok = await fetch(`${base}/ready`).then(r => r.ok, () => false)
    if (ok) return { child, base, ms: Date.now() - startedAt, output: () => output }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await stopServer(child, 'SIGKILL')
  throw new Error(`server did not become ready: ${output}`)
}

/**
 * Stops a server started by startServer and resolves once it has exited, so a
 * test's directories are removed only after the process stopped writing to them.
 */
export async function stopServer (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  return await new Promise(resolve => {
    child.once('exit', code => { resolve(code) })
    child.kill(signal)
  })
}
