/**
 * Teardown that runs once, whatever ends the benchmark: normal end, an error, Ctrl-C
 * (SIGINT), SIGTERM/SIGHUP, or the overall time limit. Steps run last-registered first.
 */
type Step = { name: string, run: () => Promise<void> }

const steps: Step[] = []
let running: Promise<void> | undefined
let stopReason: string | undefined

const began = Date.now()

/** A progress line on stderr, with the seconds since the benchmark began (silent once it is being stopped). */
export const log = (line: string): void => {
  if (stopReason === undefined) process.stderr.write(`bench: ${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s  ${line}\n`)
}

/** Why the benchmark is being stopped from outside (signal, time limit), or undefined. */
export const stopping = (): string | undefined => stopReason

export function onCleanup (name: string, run: () => Promise<void>): void {
  steps.push({ name, run })
}

/** Runs every registered step (each bounded to 60 s); safe to call several times. */
export async function cleanup (): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop() as Step
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          step.run(),
          new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error('timed out after 60 s')) }, 60_000) })
        ])
      } catch (err) {
        process.stderr.write(`bench: cleanup step "${step.name}" failed: ${(err as Error).message}\n`)
      } finally {
        clearTimeout(timer)
      }
    }
  })()
  await running
}

/**
 * Signals and the time limit: clean up, then exit with `code`. A second signal during the
 * cleanup is ignored (the cleanup is bounded); a third one exits at once.
 */
export function installExitHandlers (limitSeconds: number): void {
  let signals = 0
  const stop = (why: string, code: number): void => {
    signals += 1
    if (signals === 1) {
      stopReason = why
      process.stderr.write(`\nbench: ${why}: cleaning up\n`)
      cleanup().finally(() => process.exit(code)).catch(() => {})
    } else if (signals >= 3) {
      process.exit(code)
    }
  }
  process.on('SIGINT', () => { stop('interrupted', 130) })
  process.on('SIGTERM', () => { stop('terminated', 143) })
  process.on('SIGHUP', () => { stop('hang-up', 129) })
  const limit = setTimeout(() => { stop(`time limit of ${limitSeconds} s reached (BENCH_TIMEOUT_SECONDS)`, 124) }, limitSeconds * 1000)
  limit.unref()
}

/**
 * Runs a benchmark's `main` under the exit handlers: prints its report on stdout and exits 0
 * when `ok`, 1 otherwise or on an error (cleaned up first in every case).
 */
export function runBench (limitSeconds: number, main: () => Promise<{ report: string[], ok: boolean }>): void {
  installExitHandlers(limitSeconds)
  main().then(async ({ report, ok }) => {
    await cleanup()
    log('done')
    process.stdout.write(`${report.join('\n')}\n`)
    process.exit(ok ? 0 : 1)
  }, async (err: unknown) => {
    // Stopped from outside: the exit handler is cleaning up and exits; the error is a consequence.
    if (stopping() !== undefined) return
    process.stderr.write(`bench: failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    await cleanup()
    process.exit(1)
  })
}
