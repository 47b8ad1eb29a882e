// The bounds on rules text and on request descriptors: what keeps a file or a request from costing unbounded time or memory.
import { RulesError } from '../errors.ts'
import { MAX_KEY_LENGTH } from '../keys.ts'

/**
 * The longest rules text `parseRules` reads: 256 KiB (262,144 characters), some 2,800 flat
 * descriptors; Envoy rule files are a few kB. Parsing is linear in the text, and the YAML parser
 * takes about 1 µs a character on a loaded machine, so at this size any text parses or fails well
 * under a second (a 1 MiB file took 1.1–1.8 s at load 4–5, 256 KiB 0.24–0.55 s).
 */
export const MAX_RULES_LENGTH = 262_144

/**
 * The deepest nesting of mappings and lists in rules, the top-level mapping being level 1. Each
 * level of `descriptors` takes two (the list and the descriptor's mapping), so 32 leaves room for
 * 14 nested descriptor levels where real files use 2 to 4, and stays far below the depth at which
 * a recursive parser runs out of stack.
 */
export const MAX_RULES_DEPTH = 32

/**
 * The most nodes that YAML aliases (`*name`, and merges `<<: *name`) may copy into rules, all
 * aliases of one text together. An alias copies what its anchor holds, so nested aliases can
 * multiply a 400-byte text into billions of nodes (the "billion laughs"); counted, they cannot.
 * 100,000 is more than a 256 KiB file holds without aliases, and far more than rules that share
 * a few `rate_limit` mappings through anchors use.
 */
export const MAX_ALIASED_NODES = 100_000

/**
 * The longest descriptor key or value, in UTF-16 code units (`value.length`), in a request and in
 * rules: the same bound as a plain limiter's key (`MAX_KEY_LENGTH`, 1024), for the same reason.
 * Values become part of store keys, so long ones grow the store's memory; hash a long value (an
 * e-mail address, a token) to a fixed-length digest before using it as a descriptor value.
 */
export const MAX_DESCRIPTOR_LENGTH = MAX_KEY_LENGTH

/** Refuses rules text over {@link MAX_RULES_LENGTH} before anything parses it. */
export function checkRulesLength(text: string): void {
  if (text.length > MAX_RULES_LENGTH) {
    throw new RulesError(
      `rules: the text is ${text.length} characters long, over the maximum of ${MAX_RULES_LENGTH} (256 KiB); split the rules by domain into several files`,
    )
  }
}

/** The message for rules nested deeper than {@link MAX_RULES_DEPTH}. */
export const TOO_DEEP = `nesting deeper than ${MAX_RULES_DEPTH} levels of mappings and lists, the most rules may use; flatten the rules (each level of descriptors takes two)`
