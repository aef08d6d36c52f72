import { createHash, timingSafeEqual } from 'node:crypto'

const sha256 = (value: string) => createHash('sha256').update(value).digest()

/** Short, non-reversible name of a key for logs: the first 8 hex characters of its SHA-256. */
export const toKeyId = (digest: Buffer) => digest.subarray(0, 4).toString('hex')

/**
 * Digests are made once at start-up; a presented key is hashed and compared with every digest in
 * constant time, never stopping early, so neither the key nor its position leaks through timing.
 */
export const createKeyChecker = (allowedKeys: readonly string[]) => {
  const digests = allowedKeys.map(sha256)
  return (presented: string): string | null => {
    const digest = sha256(presented)
    let match = false
    for (const allowed of digests) match = timingSafeEqual(allowed, digest) || match
    return match ? toKeyId(digest) : null
  }
}

export type KeyChecker = ReturnType<typeof createKeyChecker>
