/**
 * The Redis side of the response store, one script per operation so that each is one round trip
 * and atomic (a record is never half-written or half-deleted). Needs Redis ≥ 7.0 (PEXPIRETIME).
 *
 * Layout, every key under one client key's hash tag `{gw:resp:<keyId>}` (one cluster slot):
 *   <tag>:r:<responseId>  hash  record (JSON), items (item ids, one per line), seq (write order)
 *   <tag>:i:<itemId>      hash  <responseId> → item JSON, one field per response that holds the item
 * The record key expires at the response's expiresAt; an item hash at the latest expiresAt of the
 * responses in it. An item field counts only while its response's record exists.
 * The scripts reach keys named inside a record or an item hash, which the caller cannot list in
 * KEYS without a second round trip; they all share KEYS[1]'s hash tag, so they live on its slot.
 */

/** Removes the item fields of the record in KEYS[1] (ARGV[1] item key prefix, ARGV[2] response id). */
const FORGET_ITEMS = `
local function forget_items()
  local ids = redis.call('HGET', KEYS[1], 'items')
  if not ids then return 0 end
  for id in string.gmatch(ids, '[^\\n]+') do redis.call('HDEL', ARGV[1] .. id, ARGV[2]) end
  redis.call('DEL', KEYS[1])
  return 1
end
`

/**
 * KEYS[1] record key, KEYS[2..] item keys; ARGV[1] item key prefix, ARGV[2] response id,
 * ARGV[3] expiresAt (unix ms), ARGV[4] record JSON, ARGV[5] item ids (one per line), ARGV[6..] item JSON.
 * A put over an existing id replaces it; a record already expired is not written.
 */
export const PUT_SCRIPT = `${FORGET_ITEMS}
forget_items()
local now = redis.call('TIME')
local expires_at = tonumber(ARGV[3])
if expires_at <= now[1] * 1000 + math.floor(now[2] / 1000) then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[4], 'items', ARGV[5], 'seq', now[1] .. string.format('%06d', now[2]))
redis.call('PEXPIREAT', KEYS[1], expires_at)
for i = 2, #KEYS do
  redis.call('HSET', KEYS[i], ARGV[2], ARGV[i + 4])
  if redis.call('PEXPIRETIME', KEYS[i]) < expires_at then redis.call('PEXPIREAT', KEYS[i], expires_at) end
end
return 1
`

/** KEYS[1] record key; ARGV[1] item key prefix, ARGV[2] response id. Returns 1 when it was there. */
export const DELETE_SCRIPT = `${FORGET_ITEMS}
return forget_items()
`

/**
 * KEYS[1] record key; ARGV[1] item key prefix, ARGV[2] response id.
 * Returns [record JSON, item JSON…] in the record's item order, or nil when absent or not whole.
 */
export const GET_SCRIPT = `
local record = redis.call('HMGET', KEYS[1], 'record', 'items')
if not record[1] then return false end
local out = { record[1] }
for id in string.gmatch(record[2], '[^\\n]+') do
  local item = redis.call('HGET', ARGV[1] .. id, ARGV[2])
  if not item then return false end
  out[#out + 1] = item
end
return out
`

/**
 * KEYS[1] item key; ARGV[1] record key prefix. Returns the item JSON from the latest written live
 * response that holds it, or nil; fields of responses that expired meanwhile are dropped.
 */
export const FIND_ITEM_SCRIPT = `
local fields = redis.call('HGETALL', KEYS[1])
local found, found_seq = false, -1
for i = 1, #fields, 2 do
  local seq = redis.call('HGET', ARGV[1] .. fields[i], 'seq')
  if not seq then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif tonumber(seq) > found_seq then
    found, found_seq = fields[i + 1], tonumber(seq)
  end
end
return found
`
