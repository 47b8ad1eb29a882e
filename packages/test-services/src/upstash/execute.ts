// Runs parsed commands on the shared ioredis connection and shapes the replies as Upstash does.
// A Redis error reply is part of the answer; anything else (a lost connection) is thrown, and
// the HTTP layer answers 500.
import type { Redis } from 'ioredis'
import { BadRequest, refusal } from './commands.ts'
import { encodeReply, isReplyError, type JsonReply } from './reply.ts'
import type { PreparedCommand, ScriptShas } from './scripts.ts'

export type Outcome = { result: JsonReply } | { error: string }

type Settled = [error: Error | null, reply: unknown]

/**
 * Name and arguments for ioredis. ioredis reshapes some replies by lowercase command name
 * (HGETALL into an object, …) even for callBuffer; an uppercase name gets Redis's reply as is.
 */
function forIoredis(command: PreparedCommand): [string, ...string[]] {
  const [name, ...rest] = command.args as [string, ...string[]]
  return [name.toUpperCase(), ...rest]
}

function outcome([error, reply]: Settled, command: PreparedCommand, base64: boolean): Outcome {
  if (error) {
    if (isReplyError(error)) return { error: error.message }
    throw error
  }
  return { result: encodeReply(command.reply ? command.reply(reply) : reply, base64) }
}

export class Executor {
  readonly #redis: Redis
  readonly #scripts: ScriptShas

  constructor(redis: Redis, scripts: ScriptShas) {
    this.#redis = redis
    this.#scripts = scripts
  }

  /** POST / : one command. */
  async single(args: string[], base64: boolean): Promise<Outcome> {
    const refused = refusal(args)
    if (refused) return { error: refused }
    const command = this.#scripts.prepare(args)
    const [name, ...rest] = forIoredis(command)
    const settled = await this.#redis.callBuffer(name, ...rest).then(
      (reply): Settled => [null, reply],
      (error: Error): Settled => [error, null],
    )
    return outcome(settled, command, base64)
  }

  /** POST /pipeline : in order, not atomic; each command has its own result or error. */
  async pipeline(commands: string[][], base64: boolean): Promise<Outcome[]> {
    const pipeline = this.#redis.pipeline()
    const sent: (PreparedCommand | string)[] = commands.map((args) => {
      const refused = refusal(args)
      if (refused) return refused
      const command = this.#scripts.prepare(args)
      const [name, ...rest] = forIoredis(command)
      pipeline.callBuffer(name, ...rest)
      return command
    })
    const replies = ((pipeline.length > 0 ? await pipeline.exec() : []) ?? []) as Settled[]
    let next = 0
    return sent.map((command) =>
      typeof command === 'string'
        ? { error: command }
        : outcome(replies[next++] ?? [new Error('no reply from Redis'), null], command, base64),
    )
  }

  /**
   * POST /multi-exec : MULTI … EXEC, atomic. A command Redis refuses to queue discards the whole
   * transaction (thrown as BadRequest, answered 400); errors while executing stay per command.
   */
  async multiExec(commands: string[][], base64: boolean): Promise<Outcome[]> {
    for (const args of commands) {
      const refused = refusal(args)
      if (refused) throw new BadRequest(refused)
    }
    const prepared = commands.map((args) => this.#scripts.prepare(args))
    // ioredis writes MULTI, the commands and EXEC in one go on one connection, so no other
    // request's command can land inside the transaction.
    const transaction = this.#redis.multi()
    for (const command of prepared) {
      const [name, ...rest] = forIoredis(command)
      transaction.callBuffer(name, ...rest)
    }
    let replies: Settled[]
    try {
      replies = ((await transaction.exec()) ?? []) as Settled[]
    } catch (error) {
      if (!isReplyError(error)) throw error
      // EXECABORT: report why a command was refused, as Upstash does, rather than the abort.
      const previous = (error as Error & { previousErrors?: Error[] }).previousErrors?.[0]
      throw new BadRequest(previous?.message ?? error.message)
    }
    return prepared.map((command, i) =>
      outcome(replies[i] ?? [new Error('no reply from Redis'), null], command, base64),
    )
  }
}
