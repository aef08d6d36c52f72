/**
 * The limit arithmetic of limit-rules.ts as Lua, so that each check is one atomic round trip in
 * Redis. The contract test (test/limits/limit-store-contract.ts) holds both stores to the same
 * answers. Numbers cross as strings: Redis would truncate a Lua float in a reply.
 *
 * Keys of one client key name, all under its hash tag `{gw:lim:<name>}` (one cluster slot):
 *   KEYS[1] <tag>:b          hash  rq_level, rq_at, tk_level, tk_at (the rpm and tpm buckets)
 *   KEYS[2] <tag>:a          zset  request id → lease deadline (requests in flight)
 *   KEYS[3] <tag>:d:<day>    hash  requests, tokens, prompt_tokens, completion_tokens
 *   KEYS[4] <tag>:m:<month>  hash  the same for the month
 * Every key gets a TTL on each write: buckets BUCKET_TTL_MS, the in-flight set the lease, periods
 * a day past their end.
 */
export const BUCKET_TTL_MS = 600_000

const COMMON = `
local now = tonumber(ARGV[1])
local function refill(prefix, limit)
  local v = redis.call('HMGET', KEYS[1], prefix .. 'level', prefix .. 'at')
  if not v[1] then return limit end
  local level = tonumber(v[1]) + (now - tonumber(v[2])) * limit / 60000
  if level > limit then return limit end
  return level
end
local function charge(key, ttl, requests, tokens, prompt, completion)
  redis.call('HINCRBY', key, 'requests', requests)
  redis.call('HINCRBY', key, 'tokens', tokens)
  redis.call('HINCRBY', key, 'prompt_tokens', prompt)
  redis.call('HINCRBY', key, 'completion_tokens', completion)
  redis.call('PEXPIRE', key, ttl)
end
`

/**
 * ARGV: now, tokens, id, rpm, tpm, max_concurrent, daily, monthly (empty = unset), lease ms,
 * day ttl, month ttl, ms to the day's end, ms to the month's end.
 * Returns {refusal or '', requests level or '', tokens level or '', retry ms}.
 */
export const RESERVE_SCRIPT = `${COMMON}
local tokens = tonumber(ARGV[2])
local rpm, tpm, max_concurrent = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local daily, monthly = tonumber(ARGV[7]), tonumber(ARGV[8])
local rq, tk
if rpm then rq = refill('rq_', rpm) end
if tpm then tk = refill('tk_', tpm) end
local function reply(refusal, retry)
  return {refusal, rq and tostring(rq) or '', tk and tostring(tk) or '', tostring(retry)}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
if monthly and tonumber(redis.call('HGET', KEYS[4], 'tokens') or '0') + tokens > monthly then return reply('monthly_token_budget', ARGV[13]) end
if daily and tonumber(redis.call('HGET', KEYS[3], 'tokens') or '0') + tokens > daily then return reply('daily_token_budget', ARGV[12]) end
if max_concurrent and redis.call('ZCARD', KEYS[2]) >= max_concurrent then return reply('max_concurrent', 1000) end
if rq and rq < 1 then return reply('rpm', math.ceil((1 - rq) * 60000 / rpm)) end
if tk then
  local need = math.min(tokens, tpm)
  if tk < need then return reply('tpm', math.ceil((need - tk) * 60000 / tpm)) end
end
if rq then rq = rq - 1; redis.call('HSET', KEYS[1], 'rq_level', tostring(rq), 'rq_at', ARGV[1]) end
if tk then tk = tk - tokens; redis.call('HSET', KEYS[1], 'tk_level', tostring(tk), 'tk_at', ARGV[1]) end
if rq or tk then redis.call('PEXPIRE', KEYS[1], ${BUCKET_TTL_MS}) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[9]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[9])
charge(KEYS[3], ARGV[10], 1, tokens, 0, 0)
charge(KEYS[4], ARGV[11], 1, tokens, 0, 0)
return reply('', 0)
`

/** ARGV: now, reserved, used, prompt, completion, id, tpm (empty = unset), day ttl, month ttl. */
export const SETTLE_SCRIPT = `${COMMON}
redis.call('ZREM', KEYS[2], ARGV[6])
local tpm = tonumber(ARGV[7])
if tpm then
  local level = math.min(tpm, refill('tk_', tpm) + tonumber(ARGV[2]) - tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'tk_level', tostring(level), 'tk_at', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ${BUCKET_TTL_MS})
end
local delta = tonumber(ARGV[3]) - tonumber(ARGV[2])
charge(KEYS[3], ARGV[8], 0, delta, tonumber(ARGV[4]), tonumber(ARGV[5]))
charge(KEYS[4], ARGV[9], 0, delta, tonumber(ARGV[4]), tonumber(ARGV[5]))
return 1
`

/** ARGV: now. Returns {buckets hash, requests in flight, day hash, month hash}, hashes as flat lists. */
export const READ_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
return {redis.call('HGETALL', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4])}
`
