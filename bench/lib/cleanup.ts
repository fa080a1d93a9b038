/**
 * Teardown that runs once, whatever ends the benchmark: normal end, an error, Ctrl-C
 * (SIGINT), SIGTERM/SIGHUP, or the overall time limit. Steps run last-registered first.
 */
type Step = { name: string, run: () => Promise<void> }

const steps: Step[] = []
let running: Promise<void> | undefined
let stopReason: string | undefined

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
