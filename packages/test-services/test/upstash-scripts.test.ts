import { describe, expect, it } from 'vitest'
import {
  KEY_LOCKING_GUARD,
  ScriptShas,
  sha1,
  withKeyLockingGuard,
  withoutUpstashFlags,
} from '../src/upstash/scripts.ts'

describe('withoutUpstashFlags', () => {
  it('drops only allow-key-locking from the shebang, and flags= when nothing is left', () => {
    expect(withoutUpstashFlags('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1')
    expect(withoutUpstashFlags('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe(
      '#!lua flags=no-writes\nreturn 1',
    )
    expect(withoutUpstashFlags('#!lua flags=allow-key-locking,allow-oom,no-writes')).toBe(
      '#!lua flags=allow-oom,no-writes',
    )
  })

  it('leaves other scripts alone (undefined: nothing to rewrite)', () => {
    expect(withoutUpstashFlags('return 1')).toBeUndefined()
    expect(withoutUpstashFlags('#!lua flags=no-writes\nreturn 1')).toBeUndefined()
    expect(withoutUpstashFlags('#!lua\n-- flags=allow-key-locking\nreturn 1')).toBeUndefined()
    expect(withoutUpstashFlags('-- #!lua flags=allow-key-locking\nreturn 1')).toBeUndefined()
  })
})

describe('withKeyLockingGuard', () => {
  it("puts the guard on the script's first line of code, so its line numbers stay", () => {
    expect(withKeyLockingGuard('#!lua flags=allow-key-locking\nreturn 1\nreturn 2')).toBe(
      `#!lua\n${KEY_LOCKING_GUARD} return 1\nreturn 2`,
    )
    expect(withKeyLockingGuard('#!lua flags=allow-key-locking')).toBe(`#!lua\n${KEY_LOCKING_GUARD}`)
    expect(withKeyLockingGuard('#!lua flags=no-writes\nreturn 1')).toBeUndefined()
    expect(KEY_LOCKING_GUARD).not.toContain('\n')
  })
})

describe('ScriptShas', () => {
  const original = '#!lua flags=allow-key-locking\nreturn 1'
  const rewritten = `#!lua\n${KEY_LOCKING_GUARD} return 1`

  it('rewrites EVAL and maps the client SHA1 to the stored one for EVALSHA', () => {
    const shas = new ScriptShas()
    expect(shas.prepare(['evalsha', sha1(original), '0']).args[1]).toBe(sha1(original)) // not yet known
    expect(shas.prepare(['eval', original, '0']).args).toEqual(['eval', rewritten, '0'])
    expect(shas.prepare(['evalsha', sha1(original), '0']).args).toEqual(['evalsha', sha1(rewritten), '0'])
    expect(shas.prepare(['EVALSHA_RO', sha1(original).toUpperCase(), '0']).args[1]).toBe(sha1(rewritten))
    expect(shas.prepare(['script', 'exists', sha1(original), 'abc']).args).toEqual([
      'script',
      'exists',
      sha1(rewritten),
      'abc',
    ])
  })

  it("SCRIPT LOAD sends the rewrite and answers the client's SHA1", () => {
    const prepared = new ScriptShas().prepare(['SCRIPT', 'LOAD', original])
    expect(prepared.args).toEqual(['SCRIPT', 'LOAD', rewritten])
    expect(prepared.reply?.(Buffer.from(sha1(rewritten)))).toBe(sha1(original))
    expect(new ScriptShas().prepare(['SCRIPT', 'LOAD', 'return 2']).reply).toBeUndefined()
  })
})
