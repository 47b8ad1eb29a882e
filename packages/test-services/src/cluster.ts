import { execFile } from 'node:child_process'
import { redisMissingError, redisServerVersion } from './install.ts'
import { logTail, sleep } from './lifecycle.ts'
import { launchRedis, type RedisServer } from './redis.ts'
import { redisCommand } from './resp.ts'

export interface RedisCluster {
  /** Every node (masters first as created, then replicas), all on 127.0.0.1. */
  readonly nodes: readonly { host: string; port: number }[]
  /** The node processes, same order as `nodes` (e.g. to kill or restart one). */
  readonly servers: readonly RedisServer[]
  /** Stops every node and removes their directories. Idempotent. */
  stop(): Promise<void>
}

export interface StartClusterOptions {
  /** Number of masters, at least 3 (redis-cli's minimum). Default 3. */
  masters?: number
  /** Replicas per master. Default 0. */
  replicasPerMaster?: number
}

const SLOTS = 16384
const READY_TIMEOUT_MS = 20_000

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim()
  }
  return fields
}

function logTails(servers: readonly RedisServer[]): string {
  return servers
    .map(
      (server) =>
        `--- ${server.host}:${server.port} (${server.dir}/redis.log)\n${logTail(`${server.dir}/redis.log`, 12)}`,
    )
    .join('\n')
}

function runRedisCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (!error) resolve(stdout)
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') reject(redisMissingError(['redis-cli']))
      else
        reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`.trim()))
    })
  })
}

interface NodeLine {
  flags: string[]
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ')
      return { flags: (fields[2] ?? '').split(',') }
    })
}

async function clusterNodes(server: RedisServer): Promise<NodeLine[]> {
  return parseNodes(String(await redisCommand(server, ['CLUSTER', 'NODES'], 1000)))
}

/**
 * Resolves when every node reports cluster_state:ok with all 16384 slots assigned and ok, knows
 * every node with the expected roles, and every replica's link to its master is up.
 */
async function waitUntilHealthy(
  servers: readonly RedisServer[],
  masters: number,
  replicas: number,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  const problems = new Map<number, string>()
  const check = async (server: RedisServer): Promise<boolean> => {
    try {
      const info = parseInfo(String(await redisCommand(server, ['CLUSTER', 'INFO'], 1000)))
      const nodes = await clusterNodes(server)
      const count = (flag: string) => nodes.filter((node) => node.flags.includes(flag)).length
      const problem =
        info.cluster_state !== 'ok' ||
        Number(info.cluster_slots_assigned) !== SLOTS ||
        Number(info.cluster_slots_ok) !== SLOTS
          ? `CLUSTER INFO ${JSON.stringify(info)}`
          : nodes.length !== servers.length ||
              count('master') !== masters ||
              count('slave') !== masters * replicas
            ? `CLUSTER NODES sees ${nodes.length} nodes, ${count('master')} masters, ${count('slave')} replicas`
            : undefined
      if (problem) {
        problems.set(server.port, problem)
        return false
      }
      if (nodes.some((node) => node.flags.includes('myself') && node.flags.includes('slave'))) {
        const replication = parseInfo(String(await redisCommand(server, ['INFO', 'replication'], 1000)))
        if (replication.master_link_status !== 'up') {
          problems.set(server.port, `replica link ${replication.master_link_status}`)
          return false
        }
      }
      problems.delete(server.port)
      return true
    } catch (error) {
      problems.set(server.port, (error as Error).message)
      return false
    }
  }
  for (;;) {
    const healthy = await Promise.all(servers.map(check))
    if (healthy.every(Boolean)) return
    if (Date.now() > deadline) {
      const details = [...problems].map(([port, problem]) => `  ${port}: ${problem}`).join('\n')
      throw new Error(
        `Redis Cluster was not healthy within ${READY_TIMEOUT_MS} ms:\n${details}\n${logTails(servers)}`,
      )
    }
    await sleep(50)
  }
}

/**
 * Starts `masters × (1 + replicasPerMaster)` cluster-enabled redis-servers on 127.0.0.1, joins
 * them with `redis-cli --cluster create`, and resolves when every node reports cluster_state:ok
 * with all 16384 slots covered.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicasPerMaster ?? 0
  if (!Number.isInteger(masters) || masters < 3) throw new RangeError('masters must be an integer >= 3')
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new RangeError('replicasPerMaster must be an integer >= 0')
  const [major = 0] = await redisServerVersion()
  if (major < 7) throw new Error(`startCluster needs Redis >= 7 (found ${major}.x); upgrade redis-server`)

  const total = masters * (1 + replicas)
  const launched = await Promise.allSettled(
    Array.from({ length: total }, () => launchRedis({ cluster: true })),
  )
  const servers = launched.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const stop = () => Promise.all(servers.map((server) => server.stop())).then(() => {})
  const failed = launched.find((result) => result.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }

  try {
    await runRedisCli([
      '--cluster',
      'create',
      ...servers.map((server) => `${server.host}:${server.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ])
    await waitUntilHealthy(servers, masters, replicas)
  } catch (error) {
    if (error instanceof Error && !error.message.includes('redis.log')) {
      error.message += `\n${logTails(servers)}`
    }
    await stop()
    throw error
  }

  let stopping: Promise<void> | undefined
  return {
    nodes: servers.map((server) => ({ host: server.host, port: server.port })),
    servers,
    stop: () => {
      stopping ??= stop()
      return stopping
    },
  }
}
