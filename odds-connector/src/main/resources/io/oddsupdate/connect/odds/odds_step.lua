-- One atomic step of OddsSinkConnector for one vendor event (Redis runs a script without interleaving any command).
-- KEYS[1] game state hash   KEYS[2] the game's applied event ids (set)   KEYS[3] the league's output stream
-- KEYS[4] the sink's stored Kafka offsets (hash: "topic/partition" -> offset)
-- ARGV[1] event_id  ARGV[2] seq  ARGV[3] the seq the caller priced from ('' = no state)  ARGV[4] "topic/partition"
-- ARGV[5] Kafka offset  ARGV[6] TTL seconds for the state keys  ARGV[7] N state field/value pairs, then 2N values,
-- then M outputs, each as K followed by K field/value pairs for XADD.
-- Returns APPLIED, DUPLICATE (event id seen), STALE (seq not above the state's) or CONFLICT (the state moved since the
-- caller read it: nothing written, the caller re-reads and prices again).
local function store_offset()
  local stored = redis.call('HGET', KEYS[4], ARGV[4])
  if not stored or tonumber(stored) < tonumber(ARGV[5]) then
    redis.call('HSET', KEYS[4], ARGV[4], ARGV[5])
  end
end

if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  store_offset()
  return 'DUPLICATE'
end
local current = redis.call('HGET', KEYS[1], 'seq')
if current and tonumber(current) >= tonumber(ARGV[2]) then
  store_offset()
  return 'STALE'
end
if (current or '') ~= ARGV[3] then
  return 'CONFLICT'
end

local ttl = tonumber(ARGV[6])
local i = 7
local n = tonumber(ARGV[i])
local fields = {}
for j = 1, 2 * n do
  fields[j] = ARGV[i + j]
end
if n > 0 then
  redis.call('HSET', KEYS[1], unpack(fields))
end
i = i + 2 * n + 1
redis.call('SADD', KEYS[2], ARGV[1])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
end
local m = tonumber(ARGV[i])
i = i + 1
for _ = 1, m do
  local k = tonumber(ARGV[i])
  local entry = {}
  for j = 1, 2 * k do
    entry[j] = ARGV[i + j]
  end
  redis.call('XADD', KEYS[3], '*', unpack(entry))
  i = i + 2 * k + 1
end
store_offset()
return 'APPLIED'
