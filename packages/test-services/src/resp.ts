import { connect } from 'node:net'

/** A reply as parsed from RESP2: simple/bulk strings, integers, nil, arrays, or an error reply. */
export type RespReply = string | number | null | RespError | RespReply[]

/** An error reply (`-ERR …`) returned by the server; it is a value, `redisCommand` throws it. */
export class RespError extends Error {
  override name = 'RespError'
}

export interface RedisAddress {
  host: string
  port: number
}

/**
 * Sends one command on a fresh connection and resolves with its reply (tiny RESP2 client over
 * `node:net`, enough for readiness checks and test housekeeping; not a general client).
 * Rejects on connection errors, on timeout, and with a `RespError` on an error reply.
 */
export function redisCommand(
  address: RedisAddress,
  args: readonly (string | number)[],
  timeoutMs = 2000,
): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port })
    let buffer: Buffer = Buffer.alloc(0)
    let settled = false
    const finish = (error: Error | undefined, reply?: RespReply) => {
      if (settled) return
      settled = true
      socket.destroy()
      if (error) reject(error)
      else if (reply instanceof RespError) reject(reply)
      else resolve(reply ?? null)
    }
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`Timed out after ${timeoutMs} ms waiting for ${address.host}:${address.port}`)),
    )
    socket.on('error', (error) => finish(error))
    socket.on('close', () => finish(new Error(`Connection to ${address.host}:${address.port} closed early`)))
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      try {
        const parsed = parseReply(buffer, 0)
        if (parsed) finish(undefined, parsed.value)
      } catch (error) {
        finish(error as Error)
      }
    })
    socket.write(encodeCommand(args))
  })
}

export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const data = Buffer.from(String(arg))
    parts.push(Buffer.from(`$${data.length}\r\n`), data, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** Parses one reply starting at `offset`; `undefined` when the buffer does not hold all of it yet. */
export function parseReply(buffer: Buffer, offset: number): { value: RespReply; offset: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset)
  if (lineEnd === -1) return undefined
  const type = String.fromCharCode(buffer[offset] ?? 0)
  const line = buffer.toString('utf8', offset + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case '+':
      return { value: line, offset: next }
    case '-':
      return { value: new RespError(line), offset: next }
    case ':':
      return { value: Number(line), offset: next }
    case '$': {
      const length = Number(line)
      if (length < 0) return { value: null, offset: next }
      if (buffer.length < next + length + 2) return undefined
      return { value: buffer.toString('utf8', next, next + length), offset: next + length + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, offset: next }
      const items: RespReply[] = []
      let position = next
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position)
        if (!item) return undefined
        items.push(item.value)
        position = item.offset
      }
      return { value: items, offset: position }
    }
    default:
      throw new Error(`Unexpected RESP type byte ${JSON.stringify(type)}`)
  }
}
