-- POST /orders with a new clientOrderId on every request: wrk -s orders.lua URL -- <prefix>
local prefix = "w"
local counter = 0

function init(args)
  prefix = args[1] or tostring(os.time())
end

function request()
  counter = counter + 1
  local body = '{"clientOrderId":"' .. prefix .. '-' .. counter ..
    '","symbol":"AAPL","side":"buy","type":"limit","quantity":1,"limitPrice":100}'
  return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json" }, body)
end
