-- A paced wrk run: requests follow a fixed schedule of RATE per second (spread over all
-- connections of the thread), optionally POST /orders with a new clientOrderId each.
--   wrk -t1 -cN -s paced.lua URL -- <rate> [orders <prefix>]
--
-- Method: Debian ships wrk (closed loop: each connection sends its next request as soon as the last
-- answer arrives), not wrk2. wrk calls delay() before every request of a connection, and waits that
-- many milliseconds; here delay() hands out slots of one global schedule (slot k at start + k/RATE),
-- so the offered load is RATE whatever the latency, as long as a connection is free at each slot.
-- Caveat (coordinated omission): wrk times a request from the moment it is written, not from its
-- slot. When the server stalls so long that every connection is busy, the next slots are sent late
-- (in a burst once connections free up) and the time they waited for a connection is not in the
-- latency histogram: p99 then under-states what a client on the schedule would have seen. This
-- script counts the sends that went out more than 1 ms after their slot and the largest such lag,
-- and prints them ("paced: late N of M, max lag X ms"); the bench reports both next to p50/p99, so
-- a run where they are not small should be read as such. Delays are whole milliseconds (wrk's
-- timer), so a send may leave up to 0.5 ms early or late; the schedule itself does not drift.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
int clock_gettime(int clk_id, paced_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("paced_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local interval = 1
local next_slot = nil
local orders = false
local prefix = "p"
local counter = 0
-- Globals, so that done() can read them from each thread.
sent = 0
late = 0
max_lag = 0

function init(args)
  interval = 1000 / tonumber(args[1])
  orders = args[2] == "orders"
  prefix = args[3] or tostring(os.time())
end

function delay()
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  sent = sent + 1
  local wait = slot - now
  if wait < -1 then
    late = late + 1
    if -wait > max_lag then max_lag = -wait end
  end
  if wait <= 0 then return 0 end
  return math.floor(wait + 0.5)
end

function request()
  if not orders then return wrk.request() end
  counter = counter + 1
  local body = '{"clientOrderId":"' .. prefix .. '-' .. counter ..
    '","symbol":"AAPL","side":"buy","type":"limit","quantity":1,"limitPrice":100}'
  return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  local total_sent, total_late, lag = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_late = total_late + thread:get("late")
    lag = math.max(lag, thread:get("max_lag"))
  end
  io.write(string.format("paced: late %d of %d, max lag %.1f ms\n", total_late, total_sent, lag))
end
