/**
 * Lua scripts of the Redis store. Each runs atomically on the Redis server, reads the time with
 * `TIME` (one clock for every replica) and touches only keys of one partition: every key starts
 * with `<prefix>:{<partition>}:`, so on Redis Cluster they hash to one slot. KEYS[1] (the
 * reservation zset) routes the call; the other keys are derived from ARGV[1] (the same base,
 * same hash tag).
 *
 * Keys of a partition (base = `<prefix>:{<partition>}:`):
 *   base..'rz'          zset  reservations by expiry (ms); ZCARD = outstanding. The member is
 *                       "id\nest\nday\nmonth\nscope..." (its budget holds travel with it, so
 *                       admit is one ZADD and settle one ZREM; the client keeps the member)
 *   base..'s:'..scope   hash  all state of one scope, read with one HMGET, written with one HSET:
 *                         r, t        GCRA theoretical arrival time (ms) of rpm / tpm
 *                         dn, ds, dh  current UTC day number, spent and held (nano-USD)
 *                         mn, ms, mh  current month number (year*12+month-1), spent, held
 *                         ls, lh      lifetime spent, held
 *                       A day/month counter whose dn/mn is not the current one reads as zero
 *                       (the period rolled over). Scope hashes do not expire: there is one per
 *                       configured key, tenant or deployment (~100 bytes each).
 *
 * Inputs are flat ARGV (no JSON) and each script makes as few redis.call()s as it can: every
 * redis.call costs Redis CPU on top of the command itself (bench/RESULTS.md, "Figures behind
 * code comments"), and Redis CPU is shared by the whole fleet (admit: TIME, HMGET + HSET per scope, ZADD). The arithmetic mirrors gcra.ts, budgets.ts and periods.ts.
 */

const COMMON = `
local base = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 + tonumber(ARGV[2])
local WINDOW = 60000
local DAY = 86400000

local function int(x) return string.format('%d', x) end
local function num(x) if x then return tonumber(x) end return 0 end

-- Howard Hinnant's civil_from_days / days_from_civil (proleptic Gregorian, UTC).
local function civil(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

local day = math.floor(now / DAY)
local Y, M, D = civil(day)
local month = Y * 12 + M - 1

local function split(s)
  local out = {}
  for x in string.gmatch(s, '[^\\n]+') do out[#out + 1] = x end
  return out
end

-- Budget holds carried by a reservation member: { est, day, month, scopes = { [scope] = true } }.
local function read_holds(member)
  local p = split(member)
  local h = { est = tonumber(p[2]) or 0, day = tonumber(p[3]), month = tonumber(p[4]), scopes = {} }
  for j = 5, #p do h.scopes[p[j]] = true end
  return h
end

-- Subtracts a hold from a scope's counters (already read into c).
local function unhold(c, h)
  if h.day == c.dn then c.dh = math.max(0, c.dh - h.est) end
  if h.month == c.mn then c.mh = math.max(0, c.mh - h.est) end
  c.lh = math.max(0, c.lh - h.est)
end

local BUDGET_FIELDS = { 'dn', 'ds', 'dh', 'mn', 'ms', 'mh', 'ls', 'lh' }
-- Budget counters from HMGET values v[o+1..o+8], rolled over to the current day and month.
local function counters(v, o)
  local c = { dn = day, ds = 0, dh = 0, mn = month, ms = 0, mh = 0, ls = num(v[o + 7]), lh = num(v[o + 8]) }
  if num(v[o + 1]) == day then c.ds = num(v[o + 2]); c.dh = num(v[o + 3]) end
  if num(v[o + 4]) == month then c.ms = num(v[o + 5]); c.mh = num(v[o + 6]) end
  return c
end
local function push_counters(args, c)
  for _, f in ipairs(BUDGET_FIELDS) do
    args[#args + 1] = f
    args[#args + 1] = int(c[f])
  end
end

-- Expired reservations belong to requests whose process died: return their budget holds.
local function sweep(limit)
  local expired
  if limit then
    expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)
  else
    expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
  end
  for i = 1, #expired do
    local h = read_holds(expired[i])
    if h.est > 0 then
      for scope in pairs(h.scopes) do
        local key = base .. 's:' .. scope
        local c = counters(redis.call('HMGET', key, unpack(BUDGET_FIELDS)), 0)
        unhold(c, h)
        local args = {}
        push_counters(args, c)
        redis.call('HSET', key, unpack(args))
      end
    end
    redis.call('ZREM', KEYS[1], expired[i])
  end
end

local function fmt_tat(x) return string.format('%.17g', x) end
`;

/**
 * admit. ARGV: base, clockOffsetMs, id, ttlMs, estNano, n, then per scope 8 values:
 * scopeId, rpm, tpm, tokens (capped), hasBudget ('1'/'0'), capDay, capMonth, capLifetime
 * ('' = none; caps in nano-USD).
 * Returns {1, expiresAtMs, member} or {0, scopeIndex (1-based), kind, retryAfterMs (-1 = never)}.
 */
export const ADMIT_LUA =
  COMMON +
  `
local id, ttl, est, n = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
-- Sweep dead reservations now and then (cheap, bounded); outstanding() sweeps them all.
if tonumber(t[2]) % 8 == 0 then sweep(32) end
local ny, nm = Y, M + 1
if nm == 13 then ny, nm = Y + 1, 1 end
local WAIT = { d = (day + 1) * DAY - now, m = days_from_civil(ny, nm, 1) * DAY - now, l = -1 }
local KIND = { d = 'budget_daily', m = 'budget_monthly', l = 'budget_lifetime' }
local refusal = nil
local function refuse(i, kind, wait, used, cap)
  if refusal == nil then refusal = { i, kind, wait, used or -1, cap or -1 } return end
  if refusal[3] == -1 then return end
  if wait == -1 or wait > refusal[3] then refusal = { i, kind, wait, used or -1, cap or -1 } end
end
local function take(tat, cost, per_min, i, kind)
  local b = tat > now and tat or now
  local nxt = b + cost * (WINDOW / per_min)
  local over = nxt - now - WINDOW
  if over <= 1e-6 then return nxt end
  refuse(i, kind, over)
  return nil
end
local states = {}
local held = {}
for i = 1, n do
  local o = 6 + (i - 1) * 8
  local sid, rpm, tpm, tok = ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  local key = base .. 's:' .. sid
  local budget = ARGV[o + 5] == '1'
  -- Read only what this scope uses: each field read or written costs Redis CPU.
  local v
  if budget then v = redis.call('HMGET', key, 'r', 't', unpack(BUDGET_FIELDS))
  elseif rpm or tpm then v = redis.call('HMGET', key, 'r', 't')
  else v = {} end
  local st = { key = key, r = num(v[1]), t = num(v[2]) }
  if rpm then st.r = take(st.r, 1, rpm, i, 'rpm') or st.r end
  if tpm then st.t = take(st.t, tok, tpm, i, 'tpm') or st.t end
  if budget then
    local c = counters(v, 2)
    local caps = { d = tonumber(ARGV[o + 6]), m = tonumber(ARGV[o + 7]), l = tonumber(ARGV[o + 8]) }
    local used = { d = c.ds + c.dh, m = c.ms + c.mh, l = c.ls + c.lh }
    for _, p in ipairs({ 'd', 'm', 'l' }) do
      local cap = caps[p]
      if cap and (used[p] >= cap or used[p] + est > cap) then refuse(i, KIND[p], WAIT[p], used[p], cap) end
    end
    if est > 0 then
      c.dh = c.dh + est; c.mh = c.mh + est; c.lh = c.lh + est
      st.c = c
      held[#held + 1] = sid
    end
  end
  st.rate = rpm or tpm
  st.budget = budget
  states[i] = st
end
if refusal then
  return { 0, refusal[1], refusal[2], int(refusal[3] == -1 and -1 or math.ceil(refusal[3])), int(refusal[4]), int(refusal[5]) }
end
for i = 1, n do
  local st = states[i]
  local args = {}
  if st.rate then
    args[1] = 'r'; args[2] = fmt_tat(st.r); args[3] = 't'; args[4] = fmt_tat(st.t)
  end
  if st.c then push_counters(args, st.c) end
  if #args > 0 then redis.call('HSET', st.key, unpack(args)) end
end
local exp = math.floor(now + ttl)
local member = id
if #held > 0 then member = id .. '\\n' .. int(est) .. '\\n' .. day .. '\\n' .. month .. '\\n' .. table.concat(held, '\\n') end
redis.call('ZADD', KEYS[1], int(exp), member)
return { 1, int(exp), member }
`;

/**
 * settle / release. ARGV: base, clockOffsetMs, member (returned by admit), release ('1'/'0'), tokens, costNano, n, then
 * per scope 8 values: scopeId, tpm, reservedTokens, hasBudget, capDay, capMonth, capLifetime,
 * thresholds ("0.5,0.8,1").
 * A reservation that is gone (expired and swept, or lost with a restarted Redis) still settles:
 * spend is never dropped. Settling twice is prevented by the client (`Reservation.done`); the
 * one case that can double-count is a settle executed by Redis whose reply was lost with the
 * connection, then replayed.
 * Returns {1, crossings...}, each {scopeIndex, period, periodId, threshold, spentNano}.
 */
export const SETTLE_LUA =
  COMMON +
  `
local id, release, tokens, cost, n = ARGV[3], ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
-- ARGV[3] is the reservation's member (from admit): removing it returns its holds.
local h = nil
if redis.call('ZREM', KEYS[1], id) == 1 then h = read_holds(id) end
local out = { 1 }
local PERIOD = { d = 'daily', m = 'monthly', l = 'lifetime' }
local PID = { d = string.format('%04d-%02d-%02d', Y, M, D), m = string.format('%04d-%02d', Y, M), l = 'lifetime' }
for i = 1, n do
  local o = 7 + (i - 1) * 8
  local sid, tpm, res, budget = ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), ARGV[o + 4] == '1'
  local key = base .. 's:' .. sid
  local v
  if budget then v = redis.call('HMGET', key, 'r', 't', unpack(BUDGET_FIELDS))
  elseif tpm then v = redis.call('HMGET', key, 'r', 't')
  else v = {} end
  local args = {}
  local tat = num(v[2])
  if tpm then
    local delta = release and -res or (tokens - res)
    if delta < 0 then
      if tat > now then tat = math.max(now, tat + delta * (WINDOW / tpm)) end
    elseif delta > 0 then
      tat = (tat > now and tat or now) + delta * (WINDOW / tpm)
    end
    args[1] = 't'; args[2] = fmt_tat(tat)
  end
  if budget then
    local c = counters(v, 2)
    if h and h.scopes[sid] then unhold(c, h) end
    if not release and cost > 0 then
      local caps = { d = tonumber(ARGV[o + 5]), m = tonumber(ARGV[o + 6]), l = tonumber(ARGV[o + 7]) }
      local spent = { d = c.ds, m = c.ms, l = c.ls }
      for _, p in ipairs({ 'd', 'm', 'l' }) do
        local cap = caps[p]
        if cap then
          local before, after = spent[p], spent[p] + cost
          for th in string.gmatch(ARGV[o + 8], '[^,]+') do
            local line = tonumber(th) * cap
            if before < line and after >= line then out[#out + 1] = { i, PERIOD[p], PID[p], th, int(after) } end
          end
        end
      end
      c.ds = c.ds + cost; c.ms = c.ms + cost; c.ls = c.ls + cost
    end
    push_counters(args, c)
  end
  if #args > 0 then redis.call('HSET', key, unpack(args)) end
end
return out
`;

/** outstanding: sweeps every expired reservation, returns how many are left. ARGV = base, offset. */
export const OUTSTANDING_LUA =
  COMMON +
  `
sweep(nil)
return redis.call('ZCARD', KEYS[1])
`;

/** budget state of one scope. ARGV[3] = scope id. Returns {ds, dh, ms, mh, ls, lh} in nano-USD. */
export const BUDGET_STATE_LUA =
  COMMON +
  `
sweep(nil)
local c = counters(redis.call('HMGET', base .. 's:' .. ARGV[3], unpack(BUDGET_FIELDS)), 0)
return { int(c.ds), int(c.dh), int(c.ms), int(c.mh), int(c.ls), int(c.lh) }
`;
