import { timingSafeEqual } from 'node:crypto'

/** Bun's one-shot SHA-256: about 0.08 µs a key here, against 0.4 for node:crypto's createHash. */
const sha256 = (value: string) => Bun.SHA256.hash(value) as Uint8Array

/** Short, non-reversible name of a key for logs: the first 8 hex characters of its SHA-256. */
const toKeyId = (digest: Uint8Array) => Buffer.from(digest.subarray(0, 4)).toString('hex')

/**
 * Digests and key ids are made once at start-up; a presented key is hashed and compared with
 * every digest in constant time, never stopping early, so neither the key nor its position leaks
 * through timing. Returns the key id, or null for a key that is not allowed.
 */
export const createKeyChecker = (allowedKeys: readonly string[]) => {
  const allowed = allowedKeys.map((key) => {
    const digest = sha256(key)
    return { digest, id: toKeyId(digest) }
  })
  return (presented: string): string | null => {
    const digest = sha256(presented)
    let id: string | null = null
    for (const key of allowed) if (timingSafeEqual(key.digest, digest)) id = key.id
    return id
  }
}

export type KeyChecker = ReturnType<typeof createKeyChecker>
