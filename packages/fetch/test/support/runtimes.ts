// Runs the fixtures of test/runtimes in real Bun, Deno and workerd: bundled once, served on a free port.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

const require = createRequire(import.meta.url)
const fixtures = join(import.meta.dirname, '../runtimes')

/**
 * The binary an npm package installs (`bun` → bin/bun.exe, `deno` → deno), or an Error saying
 * why it is missing: a test must fail with the reason, never skip.
 */
export function runtimeBinary(pkg: 'bun-npm' | 'deno-npm'): string {
  // Named in full, so that knip sees both packages used.
  const manifest =
    pkg === 'bun-npm' ? require.resolve('bun-npm/package.json') : require.resolve('deno-npm/package.json')
  const path = join(dirname(manifest), pkg === 'bun-npm' ? 'bin/bun.exe' : 'deno')
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the ${pkg} package's postinstall did not run; check allowBuilds in pnpm-workspace.yaml and run pnpm install`,
    )
  }
  return path
}

/**
 * Bundles a fixture into one ESM file, as an edge bundler would: the sources of @sluice/* (the
 * `@sluice/source` condition), then the conditions edge runtimes resolve with. Returns its path.
 */
export async function bundle(fixture: string, dir: string): Promise<string> {
  const outfile = join(dir, fixture.replace(/\.ts$/, '.mjs'))
  await build({
    entryPoints: [join(fixtures, fixture)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['@sluice/source', 'workerd', 'worker', 'browser'],
    outfile,
    logLevel: 'silent',
  })
  return outfile
}

/** A scratch folder for bundles, removed by the returned function. */
export function scratch(): { readonly dir: string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-fetch-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A runtime serving a fixture: its base URL, and how to stop it. */
export interface Served {
  readonly url: string
  stop(): Promise<void>
}

/**
 * Starts `binary args…`, whose program prints `{"port":N}` once it listens on 127.0.0.1. Rejects
 * with the runtime's own output if it exits first or prints nothing within `startMs`.
 */
export function serveWith(
  binary: string,
  args: readonly string[],
  cwd: string,
  startMs: number,
): Promise<Served> {
  const child = spawn(binary, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  let output = ''
  return new Promise<Served>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${binary} ${args.join(' ')}: ${why}\n${output}`))
    }
    const timer = setTimeout(() => fail(`printed no port within ${startMs} ms`), startMs)
    child.once('error', (error) => fail(error.message))
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it listened`))
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /\{"port":(\d+)\}/.exec(output)
      if (match === null) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve({ url: `http://127.0.0.1:${match[1]}`, stop: () => stop(child) })
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}
