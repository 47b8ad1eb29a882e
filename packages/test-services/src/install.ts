import { execFile, spawn } from 'node:child_process'

const BINARIES = ['redis-server', 'redis-cli'] as const

/** The one command a person should run to get `redis-server` and `redis-cli` on this machine. */
export function redisInstallCommand(): string {
  return process.platform === 'darwin' ? 'brew install redis' : 'sudo apt-get install -y redis-server'
}

/** The error thrown when the Redis binaries are missing and cannot be installed from here. */
export function redisMissingError(missing: readonly string[] = BINARIES): Error {
  return new Error(
    `@sluice/test-services needs Redis 7 (${missing.join(' and ')} not found on PATH). ` +
      `Install it with: ${redisInstallCommand()}`,
  )
}

function canRun(command: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (error) => resolve(!error))
  })
}

async function missingBinaries(): Promise<string[]> {
  const found = await Promise.all(BINARIES.map((name) => canRun(name, ['--version'])))
  return BINARIES.filter((_, i) => !found[i])
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    let output = ''
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve()
      else
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` failed (${signal ?? `exit code ${code}`}):\n${output.trim()}`,
          ),
        )
    })
  })
}

async function ensure(): Promise<void> {
  const missing = await missingBinaries()
  if (missing.length === 0) return
  const isRoot = process.getuid?.() === 0
  if (process.platform !== 'linux' || !isRoot || !(await canRun('apt-get', ['--version']))) {
    throw redisMissingError(missing)
  }
  process.stderr.write(
    `@sluice/test-services: ${missing.join(' and ')} not found; installing Debian's redis-server with apt-get…\n`,
  )
  // Wait for the dpkg lock instead of failing when another apt-get runs at the same time.
  const lock = ['-o', 'DPkg::Lock::Timeout=300']
  await run('apt-get', [...lock, '-qq', 'update'])
  await run('apt-get', [...lock, '-qq', '-y', '--no-install-recommends', 'install', 'redis-server'])
  const stillMissing = await missingBinaries()
  if (stillMissing.length > 0) throw redisMissingError(stillMissing)
}

let pending: Promise<void> | undefined

/**
 * Makes sure `redis-server` and `redis-cli` are on PATH. When they are missing and this process
 * runs as root on a system with apt-get, installs Debian's `redis-server` package (quietly,
 * non-interactively); otherwise throws an Error naming the command to run. Never skips silently.
 */
export function ensureRedisInstalled(): Promise<void> {
  pending ??= ensure().catch((error: unknown) => {
    pending = undefined
    throw error
  })
  return pending
}

let version: Promise<number[]> | undefined

/** `[major, minor, patch]` of the `redis-server` on PATH. */
export function redisServerVersion(): Promise<number[]> {
  version ??= new Promise<number[]>((resolve, reject) => {
    execFile('redis-server', ['--version'], { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        version = undefined
        reject((error as NodeJS.ErrnoException).code === 'ENOENT' ? redisMissingError() : error)
        return
      }
      const match = /v=(\d+)\.(\d+)\.(\d+)/.exec(stdout)
      resolve(match ? match.slice(1).map(Number) : [0, 0, 0])
    })
  })
  return version
}
