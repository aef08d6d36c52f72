type Weighted = { readonly name: string; readonly weight: number }

/** FNV-1a over UTF-16 code units, then murmur3's finaliser: names differing in one last character still spread. */
export const hash32 = (text: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return (hash ^ (hash >>> 16)) >>> 0
}

/**
 * Weighted rendezvous hashing: each member scores `-weight / ln(u)` with `u` from the hash of
 * hint and name; the highest wins. A hint keeps its member while that member is a candidate, and
 * when one leaves only its own hints move (spread by weight over the rest).
 */
export const pickSticky = <T extends Weighted>(hint: string, candidates: readonly T[]): T | undefined => {
  let best: T | undefined
  let bestScore = Number.NEGATIVE_INFINITY
  for (const candidate of candidates) {
    const u = (hash32(`${hint}\u0000${candidate.name}`) + 0.5) / 2 ** 32
    const score = -candidate.weight / Math.log(u)
    if (score > bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return best
}

/** Weighted random choice; `random` returns [0, 1). */
export const pickWeighted = <T extends Weighted>(candidates: readonly T[], random: () => number): T | undefined => {
  let total = 0
  for (const candidate of candidates) total += candidate.weight
  let point = random() * total
  for (const candidate of candidates) {
    point -= candidate.weight
    if (point < 0) return candidate
  }
  return candidates.at(-1)
}
