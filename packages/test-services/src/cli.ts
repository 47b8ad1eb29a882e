// `pnpm services`: start one redis-server, one 3-master Redis Cluster and a local Upstash REST
// server over the redis-server, print one JSON line with their addresses (and the Upstash token),
// keep them up until SIGINT/SIGTERM/SIGHUP, then stop them and remove their files.
import { startServices } from './services.ts'

const log = (message: string) => process.stderr.write(`[services] ${message}\n`)

async function main(): Promise<void> {
  // Own the signals from the start. A signal during startup exits at once (the library's 'exit'
  // hook SIGKILLs whatever already started and removes its dirs).
  let shuttingDown = false
  let stopServices: (() => Promise<void>) | undefined
  // Keeps the process alive, and notices when our parent (e.g. pnpm) died without passing a
  // signal on: then we are orphaned and shut down as if interrupted.
  const parent = process.ppid
  setInterval(() => {
    if (!shuttingDown && process.ppid !== parent) onSignal('SIGHUP')
  }, 1000)
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches us twice under pnpm (the terminal signals the whole process group and pnpm
    // forwards it too), so repeats are ignored; stopping is bounded (SIGTERM, then SIGKILL).
    if (shuttingDown) return
    shuttingDown = true
    log(`${signal}: stopping…`)
    void (async () => {
      try {
        await stopServices?.()
        log('stopped')
        process.exit(0)
      } catch (error) {
        log(`stop failed: ${(error as Error).message}`)
        process.exit(1)
      }
    })()
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)

  const started = Date.now()
  const services = await startServices()
  stopServices = services.stop
  process.stdout.write(
    `${JSON.stringify({
      redis: services.redis.url,
      cluster: services.cluster.nodes.map(({ host, port }) => `${host}:${port}`),
      upstash: { url: services.upstash.url, token: services.upstash.token },
    })}\n`,
  )
  log(`up in ${Date.now() - started} ms; Ctrl-C to stop`)
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error))
  process.exit(1)
})
