-- Many independent guarded writes in one call: for each item, check its guards and, if all
-- hold, apply its writes; items are taken in order, each atomically. No log events. Used for
-- bursts of ballots, where one round trip per ballot would cost more than the ballot itself.
-- ARGV: n_items, then per item: n_guards, then 4 values per guard (op, key index, field,
-- value) with the same meaning as in append.lua. Returns per item: {"ok"} or
-- {"guard", index, value}.
local out = {}
local n_items = tonumber(ARGV[1])
local p = 2
for item = 1, n_items do
  local n = tonumber(ARGV[p])
  local first = p + 1
  local failed = nil
  for i = 0, n - 1 do
    local b = first + 4 * i
    local op, key, field, value = ARGV[b], KEYS[tonumber(ARGV[b + 1])], ARGV[b + 2], ARGV[b + 3]
    if op == "setnx" then
      local have = redis.call("HGET", key, field)
      if have then failed = {"guard", tostring(i), have} break end
    elseif op == "eq" then
      local have = redis.call("HGET", key, field) or ""
      if have ~= value then failed = {"guard", tostring(i), have} break end
    elseif op == "absent" then
      if redis.call("EXISTS", key) == 1 then failed = {"guard", tostring(i), "exists"} break end
    end
  end
  if failed then
    out[item] = failed
  else
    for i = 0, n - 1 do
      local b = first + 4 * i
      local op, key, field, value = ARGV[b], KEYS[tonumber(ARGV[b + 1])], ARGV[b + 2], ARGV[b + 3]
      if op == "setnx" or op == "set" then
        redis.call("HSET", key, field, value)
      elseif op == "del" then
        redis.call("HDEL", key, field)
      elseif op == "push" then
        redis.call("RPUSH", key, value)
      elseif op == "incr" then
        redis.call("HINCRBY", key, field, value)
      elseif op == "sadd" then
        redis.call("SADD", key, value)
      elseif op == "put" then
        redis.call("SET", key, value)
      end
    end
    out[item] = {"ok"}
  end
  p = first + 4 * n
end
return out
