// Turns a Redis reply (as ioredis' callBuffer gives it over RESP2) into the JSON Upstash answers.

export type JsonReply = string | number | null | JsonReply[]

const OK = Buffer.from('OK')

/** Error replies from Redis itself (as opposed to a lost connection or a client-side failure). */
export function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

function encodeString(bytes: Buffer, base64: boolean): string {
  return base64 ? bytes.toString('base64') : bytes.toString('utf8')
}

function encodeNested(reply: unknown, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null
  if (Buffer.isBuffer(reply)) return encodeString(reply, base64)
  if (typeof reply === 'number') return reply
  if (typeof reply === 'bigint') return Number(reply)
  if (typeof reply === 'string') return encodeString(Buffer.from(reply), base64)
  if (Array.isArray(reply)) return reply.map((item) => encodeNested(item, base64))
  // An error inside an array (e.g. a Lua table holding an error reply): its text, as a string.
  if (reply instanceof Error) return encodeString(Buffer.from(reply.message), base64)
  return encodeString(Buffer.from(String(reply)), base64)
}

/**
 * The `result` of one command. With base64 on (`Upstash-Encoding: base64`), every string is
 * base64-encoded, through nested arrays, except a whole result that is exactly `OK`: the
 * @upstash/redis client leaves a top-level "OK" alone but decodes every string inside arrays,
 * so an "OK" inside an array is encoded like any other string.
 */
export function encodeReply(reply: unknown, base64: boolean): JsonReply {
  if (base64 && (Buffer.isBuffer(reply) ? OK.equals(reply) : reply === 'OK')) return 'OK'
  return encodeNested(reply, base64)
}
