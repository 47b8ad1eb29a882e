import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'

/** Something that must not outlive this process; `killNow` is synchronous (safe in an 'exit' hook). */
interface Disposable {
  killNow(): void
}

const live = new Set<Disposable>()
let handlersInstalled = false

/**
 * Registers the process hooks once: on 'exit' every live server is SIGKILLed and its directory
 * removed synchronously; on SIGINT / SIGTERM / SIGHUP the same happens and the signal is re-raised
 * so the process still dies of it — unless someone else listens for that signal (a CLI, a test
 * runner), in which case they own shutdown and our 'exit' hook is the backstop.
 */
function installHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', killAllNow)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return
      process.removeListener(signal, onSignal)
      killAllNow()
      process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

function killAllNow(): void {
  for (const entry of live) {
    try {
      entry.killNow()
    } catch {
      // best effort: the process is going away
    }
  }
  live.clear()
}

export function track(entry: Disposable): () => void {
  installHandlers()
  live.add(entry)
  return () => {
    live.delete(entry)
  }
}

/** Removes a directory tree synchronously, ignoring errors (for exit paths). */
export function removeDirNow(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 10 })
  } catch {
    // best effort
  }
}

// A tiny shell process per server, in its own session (Ctrl-C in a terminal does not reach it).
// Its stdin is a pipe from us; we write the current redis pid on each start and an empty line
// when that process has exited. When the pipe closes without our saying goodbye — however this
// process died, even by SIGKILL — it SIGKILLs the last pid and removes the server's directory.
const WATCHDOG_SCRIPT = `trap '' INT HUP
pid=
while IFS= read -r line; do pid=$line; done
if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; fi
rm -rf -- "$1"
`

export class Watchdog {
  readonly #child: ChildProcess

  constructor(dir: string) {
    this.#child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'sluice-redis-watchdog', dir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    })
    this.#child.on('error', () => {})
    this.#child.stdin?.on('error', () => {})
    this.#child.unref()
    // The pipe must not keep the event loop alive either.
    ;(this.#child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
  }

  /** Tells the watchdog which pid to kill if we die (undefined: nothing is running). */
  watch(pid: number | undefined): void {
    const stdin = this.#child.stdin
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(`${pid ?? ''}\n`)
  }

  /** Normal shutdown: say nothing is running, close the pipe, let it remove the dir, wait for it. */
  async dispose(): Promise<void> {
    this.watch(undefined)
    this.#child.stdin?.end()
    if (!(await waitForExit(this.#child, 2000))) {
      this.#child.kill('SIGKILL')
      await waitForExit(this.#child, 2000)
    }
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves true once the child has exited, false on timeout. */
function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child) || child.pid === undefined) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(hasExited(child))
    }, timeoutMs)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

/** SIGTERM (redis shuts down cleanly), then SIGKILL if it is still there after `graceMs`. */
export async function terminate(child: ChildProcess | undefined, graceMs = 3000): Promise<void> {
  if (!child || hasExited(child) || child.pid === undefined) return
  child.kill('SIGTERM')
  if (await waitForExit(child, graceMs)) return
  child.kill('SIGKILL')
  await waitForExit(child, 5000)
}

/** The last lines of a log file (empty string when it cannot be read). */
export function logTail(file: string, lines = 30): string {
  try {
    const text = readFileSync(file, 'utf8')
    return text.slice(-8000).trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

const reservedPorts = new Set<number>()

/** A port that was free on 127.0.0.1 a moment ago (kernel-assigned), not handed out to us before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.unref()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
      })
    })
    if (port > 0 && !reservedPorts.has(port)) {
      reservedPorts.add(port)
      return port
    }
  }
}

export function reservePort(port: number): void {
  reservedPorts.add(port)
}

export function releasePort(port: number | undefined): void {
  if (port !== undefined) reservedPorts.delete(port)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
