import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisMissingError } from './install.ts'
import {
  freePort,
  hasExited,
  logTail,
  releasePort,
  removeDirNow,
  reservePort,
  sleep,
  terminate,
  track,
  Watchdog,
} from './lifecycle.ts'
import { redisCommand } from './resp.ts'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The server's temp dir (log in `redis.log`); removed by `stop()`. */
  readonly dir: string
  /** Pid of the current redis-server process (undefined while none runs). */
  readonly pid: number | undefined
  /** Stops the process (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>
  /** Sends a signal to the process (default SIGKILL), e.g. to simulate a crash; `restart()` brings it back. */
  kill(signal?: NodeJS.Signals): void
  /** Stops the process if it still runs, then starts a fresh one on the same port and dir. */
  restart(): Promise<void>
}

export interface StartRedisOptions {
  /** Fixed port; by default a free one is picked (and re-picked on a collision). */
  port?: number
}

/** @internal options shared with startCluster */
export interface LaunchOptions extends StartRedisOptions {
  cluster?: boolean
}

const HOST = '127.0.0.1'
const START_TIMEOUT_MS = 10_000
const PORT_ATTEMPTS = 5

class StartupError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message)
  }
}

class ManagedRedis implements RedisServer {
  readonly host = HOST
  readonly dir: string
  #port = 0
  #clusterBusPort: number | undefined
  readonly #cluster: boolean
  readonly #watchdog: Watchdog
  readonly #untrack: () => void
  #child: ChildProcess | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #stopping: Promise<void> | undefined

  constructor(dir: string, cluster: boolean) {
    this.dir = dir
    this.#cluster = cluster
    this.#watchdog = new Watchdog(dir)
    this.#untrack = track(this)
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `redis://${HOST}:${this.#port}`
  }

  get pid(): number | undefined {
    const child = this.#child
    return child && !hasExited(child) ? child.pid : undefined
  }

  get #logFile(): string {
    return join(this.dir, 'redis.log')
  }

  /** First start: pick ports (unless fixed) and retry on a collision with another process. */
  async start(fixedPort: number | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = fixedPort ?? (await freePort())
      if (fixedPort !== undefined) reservePort(fixedPort)
      if (this.#cluster) this.#clusterBusPort = await freePort()
      try {
        await this.#launch()
        return
      } catch (error) {
        if (fixedPort !== undefined || !(error instanceof StartupError) || !error.portTaken) throw error
        if (attempt >= PORT_ATTEMPTS) throw error
        this.#releasePorts()
      }
    }
  }

  #args(): string[] {
    const args = [
      '--port',
      String(this.#port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
    ]
    if (this.#cluster) {
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
        '--cluster-port',
        String(this.#clusterBusPort),
        // Replicas sync at once instead of the master waiting 5 s for more replicas to join.
        '--repl-diskless-sync-delay',
        '0',
      )
    }
    return args
  }

  async #launch(): Promise<void> {
    // stdout/stderr go straight to a file in the server's dir: nothing depends on this process
    // pumping a pipe, and fatal config/bind errors printed before logging starts are kept too.
    const logFd = openSync(this.#logFile, 'a')
    let child: ChildProcess
    try {
      child = spawn('redis-server', this.#args(), {
        cwd: this.dir,
        stdio: ['ignore', logFd, logFd],
        // Own process group: a terminal Ctrl-C reaches only us, and we stop servers in order.
        detached: true,
      })
    } finally {
      closeSync(logFd)
    }
    this.#child = child
    let spawnError: NodeJS.ErrnoException | undefined
    child.on('error', (error) => {
      spawnError = error
    })
    // A forgotten server must not keep the event loop alive: the 'exit' hook kills it.
    child.unref()
    this.#watchdog.watch(child.pid)
    child.once('exit', () => {
      if (this.#child === child) this.#watchdog.watch(undefined)
    })

    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      if (spawnError) {
        throw spawnError.code === 'ENOENT' ? redisMissingError(['redis-server']) : spawnError
      }
      if (hasExited(child)) {
        await sleep(20) // let the last log lines land
        const tail = logTail(this.#logFile)
        throw new StartupError(
          `redis-server on ${HOST}:${this.#port} exited during startup (${child.signalCode ?? `exit code ${child.exitCode}`}). ` +
            `Last lines of its log:\n${tail}`,
          /Address already in use|bind: /i.test(tail),
        )
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(
          `redis-server on ${HOST}:${this.#port} did not answer PING within ${START_TIMEOUT_MS} ms. ` +
            `Last lines of its log (${this.#logFile}):\n${logTail(this.#logFile)}`,
        )
      }
      if (child.pid !== undefined && (await this.#answersAsOurs(child.pid))) return
      await sleep(25)
    }
  }

  /** PONG from the port, and INFO's process_id is our child (not another server that took the port). */
  async #answersAsOurs(pid: number): Promise<boolean> {
    const address = { host: HOST, port: this.#port }
    try {
      if ((await redisCommand(address, ['PING'], 1000)) !== 'PONG') return false
      const info = String(await redisCommand(address, ['INFO', 'server'], 1000))
      const match = /process_id:(\d+)/.exec(info)
      if (match && Number(match[1]) !== pid) {
        this.#child?.kill('SIGKILL')
        throw new StartupError(`Port ${this.#port} is served by another redis-server (pid ${match[1]})`, true)
      }
      return true
    } catch (error) {
      if (error instanceof StartupError) throw error
      return false
    }
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task)
    this.#queue = result.catch(() => {})
    return result
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const child = this.#child
    if (child && !hasExited(child)) child.kill(signal)
  }

  restart(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#stopping) throw new Error(`redis-server ${this.url} was stopped; it cannot be restarted`)
      await terminate(this.#child)
      // The old socket is gone once the process has exited; retry briefly anyway in case a
      // short-lived client of another process grabbed the port in between.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#launch()
          return
        } catch (error) {
          if (!(error instanceof StartupError) || !error.portTaken || attempt >= 10) throw error
          await sleep(100)
        }
      }
    })
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#enqueue(async () => {
      await terminate(this.#child)
      await this.#watchdog.dispose()
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
      this.#releasePorts()
      this.#untrack()
    })
    return this.#stopping
  }

  /** Synchronous last-resort cleanup for process exit / fatal signals. */
  killNow(): void {
    this.#child?.kill('SIGKILL')
    removeDirNow(this.dir)
  }

  #releasePorts(): void {
    releasePort(this.#port)
    releasePort(this.#clusterBusPort)
  }
}

/** @internal */
export async function launchRedis(options: LaunchOptions = {}): Promise<ManagedRedis> {
  const dir = await mkdtemp(join(tmpdir(), options.cluster ? 'sluice-redis-cluster-' : 'sluice-redis-'))
  const server = new ManagedRedis(dir, options.cluster ?? false)
  try {
    await server.start(options.port)
  } catch (error) {
    await server.stop().catch(() => {})
    throw error
  }
  return server
}

/**
 * Starts a private `redis-server` on 127.0.0.1 (no persistence, temp dir, log in `<dir>/redis.log`)
 * and resolves once it answers PING.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  return launchRedis({ port: options.port })
}
