-- Atomically: deduplicate a client command, check the expected log position, check and apply
-- guards on per-key state, append events to the meeting's log with gap-free seq numbers and a
-- SHA-256 hash chain, and publish them. See server/store.py for the keys and the argument layout.
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local rshift, ror, tobit, tohex = bit.rshift, bit.ror, bit.tobit, bit.tohex

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local function sha256(msg)
  local len = #msg
  local bits = len * 8
  msg = msg .. "\128" .. string.rep("\0", (55 - len) % 64) .. string.char(
    0, 0, 0, math.floor(bits / 2^32) % 256,
    math.floor(bits / 2^24) % 256, math.floor(bits / 2^16) % 256,
    math.floor(bits / 2^8) % 256, bits % 256)
  local H = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
  local w = {}
  for chunk = 1, #msg, 64 do
    for i = 1, 16 do
      local p = chunk + (i - 1) * 4
      local b1, b2, b3, b4 = string.byte(msg, p, p + 3)
      w[i] = tobit(b1 * 16777216 + b2 * 65536 + b3 * 256 + b4)
    end
    for i = 17, 64 do
      local x, y = w[i - 15], w[i - 2]
      local s0 = bxor(ror(x, 7), ror(x, 18), rshift(x, 3))
      local s1 = bxor(ror(y, 17), ror(y, 19), rshift(y, 10))
      w[i] = tobit(w[i - 16] + s0 + w[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for i = 1, 64 do
      local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = h + S1 + ch + K[i] + w[i]
      local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + S0 + maj)
    end
    H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
    H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
  end
  local out = {}
  for i = 1, 8 do out[i] = tohex(H[i], 8) end
  return table.concat(out)
end

-- Guards: 4 values each from A[g0] on (op, key index, field, value), A being ARGV or a batch's
-- unpacked list. check returns nil when every condition holds, else {"guard", index, value
-- found}; apply makes the writes.
local function check_guards(A, g0, n)
  for i = 0, n - 1 do
    local b = g0 + 4 * i
    local op, key, field, value = A[b], KEYS[tonumber(A[b + 1])], A[b + 2], A[b + 3]
    if op == "setnx" then
      local have = redis.call("HGET", key, field)
      if have then return {"guard", tostring(i), have} end
    elseif op == "eq" then
      local have = redis.call("HGET", key, field) or ""
      if have ~= value then return {"guard", tostring(i), have} end
    elseif op == "absent" then
      if redis.call("EXISTS", key) == 1 then return {"guard", tostring(i), "exists"} end
    elseif op == "rate" then
      local have = tonumber(redis.call("GET", key) or "0")
      if have >= tonumber(value) then return {"guard", tostring(i), tostring(have)} end
    end
  end
  return nil
end

local function apply_guards(A, g0, n)
  for i = 0, n - 1 do
    local b = g0 + 4 * i
    local op, key, field, value = A[b], KEYS[tonumber(A[b + 1])], A[b + 2], A[b + 3]
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
    elseif op == "drop" then
      redis.call("DEL", key)
    elseif op == "rate" then
      -- the window starts with the first counted command and the count goes with it
      if redis.call("INCR", key) == 1 then redis.call("PEXPIRE", key, field) end
    end
  end
end

if ARGV[1] == "sha256" then  -- self-test entry point used by the test suite
  return sha256(ARGV[2])
end

-- Batch mode: many independent guarded writes (no events), each atomic, in one call; for
-- bursts of ballots. ARGV: "batch", then one msgpack list: n_items, then per item n_guards
-- and its guards (one argument, not 9 per ballot for the client to frame one by one).
-- Returns per item {"ok"} or the failed guard.
if ARGV[1] == "batch" then
  local A = cmsgpack.unpack(ARGV[2])
  local out, p = {}, 2
  for item = 1, A[1] do
    local n = A[p]
    local failed = check_guards(A, p + 1, n)
    if failed then
      out[item] = failed
    else
      apply_guards(A, p + 1, n)
      out[item] = {"ok"}
    end
    p = p + 1 + 4 * n
  end
  return out
end

local meta, log, dedupe = KEYS[1], KEYS[2], KEYS[3]
local expected, ack, ttl, channel = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local n_events, n_guards = tonumber(ARGV[5]), tonumber(ARGV[6])

if ack ~= "" then
  local done = redis.call("GET", dedupe)
  if done then return {"dup", done} end
end

if expected ~= "" then
  local current = redis.call("HGET", meta, "seq") or "0"
  if current ~= expected then return {"conflict", current} end
end

local g0 = 7 + 3 * n_events
local failed = check_guards(ARGV, g0, n_guards)
if failed then return failed end
apply_guards(ARGV, g0, n_guards)

local first, seq, hash = 0, tonumber(redis.call("HGET", meta, "seq") or "0"), nil
if n_events > 0 then
  hash = redis.call("HGET", meta, "hash") or string.rep("0", 64)
  for i = 0, n_events - 1 do
    local ev, vis, digest = ARGV[7 + 3 * i], ARGV[8 + 3 * i], ARGV[9 + 3 * i]
    seq = seq + 1
    if first == 0 then first = seq end
    -- the chain links digests (computed by the caller over the canonical event bytes) so a
    -- large event costs the server one short hash, not one over its whole body
    hash = sha256(hash .. "|" .. seq .. "|" .. digest)
    local prev = {}
    for role in string.gmatch(vis, "[^,]+") do
      prev[role] = tonumber(redis.call("HGET", meta, "v:" .. role) or "0")
      redis.call("HSET", meta, "v:" .. role, seq)
    end
    local packed_prev = cmsgpack.pack(prev)
    redis.call("XADD", log, seq .. "-0", "e", ev, "h", hash, "v", vis, "p", packed_prev)
    redis.call("PUBLISH", channel, cmsgpack.pack({seq, ev, hash, vis, packed_prev}))
  end
  redis.call("HSET", meta, "seq", seq, "hash", hash)
end

if ack ~= "" then
  redis.call("SET", dedupe, seq .. ":" .. ack, "EX", ttl)
end
return {"ok", tostring(first), tostring(seq), hash or ""}
