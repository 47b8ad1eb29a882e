/**
 * `pnpm bench` as a user runs it, in a child process: a case name that does not exist is a clear
 * message and a non-zero exit; a run stopped mid-way (Ctrl-C to its process group, SIGTERM to the
 * bench process, or SIGKILL) leaves no redis-server and no server directory behind.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  readonly child: ChildProcess
  /** Everything written to stderr so far. */
  stderr(): string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function bench(args: readonly string[]): Run {
  // Its own process group, as a terminal gives a command: Ctrl-C reaches the whole group.
  const child = spawn('pnpm', ['bench', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  child.stdout?.resume()
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, stderr: () => err, exited }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

interface Proc {
  readonly pid: number
  readonly ppid: number
  readonly command: string
}

function processes(): Proc[] {
  const list: Proc[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // pid (comm) state ppid …: comm may hold spaces, so split after its closing bracket.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      list.push({ pid: Number(entry), ppid, command })
    } catch {
      // gone meanwhile
    }
  }
  return list
}

/** Every process below `pid` (children, grandchildren, …). */
function descendants(pid: number): Proc[] {
  const all = processes()
  const found: Proc[] = []
  const parents = new Set([pid])
  for (let grew = true; grew; ) {
    grew = false
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid)
        found.push(p)
        grew = true
      }
    }
  }
  return found
}

function alive(pid: number): boolean {
  try {
    // A zombie still answers signal 0; its state in /proc/<pid>/stat is Z.
    process.kill(pid, 0)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

describe('pnpm bench', () => {
  it('exits non-zero with a clear message for a case that does not exist', async () => {
    const run = bench(['--quick', 'no-such-case'])
    const { code } = await run.exited
    expect(code).not.toBe(0)
    expect(run.stderr()).toContain('unknown case "no-such-case"')
    // The message lists the cases to choose from.
    expect(run.stderr()).toContain('redis-throughput')
  }, 120_000)

  const stops = [
    {
      how: 'Ctrl-C (SIGINT to the process group)',
      stop: (run: Run) => process.kill(-(run.child.pid as number), 'SIGINT'),
    },
    {
      how: 'SIGTERM to the bench process',
      stop: (_run: Run, benchPid: number) => process.kill(benchPid, 'SIGTERM'),
    },
    {
      how: 'SIGKILL of the bench process',
      stop: (_run: Run, benchPid: number) => process.kill(benchPid, 'SIGKILL'),
    },
  ]
  for (const { how, stop } of stops) {
    it(`leaves no redis-server and no server directory behind after ${how}`, async () => {
      const run = bench(['--quick', 'redis-throughput'])
      try {
        // Past the start of redis-server: the workers are filling their keys.
        await waitFor(
          () => /redis-throughput: starting \d+ workers/.test(run.stderr()),
          90_000,
          'redis-server',
        )
        const below = descendants(run.child.pid as number)
        const benchProcess = below.find(
          (p) => p.command.startsWith('node') && p.command.includes('src/main.ts'),
        )
        const servers = below.filter((p) => p.command.startsWith('redis-server'))
        expect(benchProcess).toBeDefined()
        expect(servers.length).toBeGreaterThan(0)
        // Each server runs in its own temp dir (its cwd), which must go with it.
        const dirs = servers.map((s) => readlinkSync(`/proc/${s.pid}/cwd`))
        for (const dir of dirs) expect(dir).toMatch(/sluice-redis-/)

        stop(run, benchProcess?.pid as number)
        // The bench's cleanup is bounded (10 s, each server 3 s + 5 s): 60 s leaves room for a
        // machine loaded by the rest of the suite. What it last said tells where it was, if not.
        await Promise.race([
          run.exited,
          new Promise((_, reject) =>
            setTimeout(
              () => reject(new Error(`bench did not exit; its stderr ended: ${run.stderr().slice(-2000)}`)),
              60_000,
            ),
          ),
        ])
        await waitFor(() => !alive(benchProcess?.pid as number), 15_000, 'the bench process to exit')
        // SIGKILL leaves the cleanup to test-services' watchdog, which acts within moments.
        await waitFor(() => servers.every((s) => !alive(s.pid)), 10_000, 'redis-server to exit')
        await waitFor(() => dirs.every((d) => !existsSync(d)), 10_000, 'server dirs to be removed')
        expect(servers.filter((s) => alive(s.pid))).toEqual([])
        expect(dirs.filter((d) => existsSync(d))).toEqual([])
      } finally {
        if (run.child.exitCode === null && run.child.signalCode === null) {
          try {
            process.kill(-(run.child.pid as number), 'SIGKILL')
          } catch {
            // already gone
          }
        }
      }
    }, 180_000)
  }
})
