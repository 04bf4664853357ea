-- wrk script: the load mix of issue 8 against `caseledger serve --demo`: 80% family reads
-- (chronology and state, half each) of the demo's synthetic families G1-G60, and 20% case
-- notes appended to those with an open episode (OPEN="G3:E1 G7:E2 ..."), as a triage manager
-- (who may read every family and record case notes on any). Every answer other than 200/201
-- is an error; done() prints the counts as one line "load: ..." for the test to read.
--
--   TOKEN=... OPEN="G3:E1 ..." [FAMILIES=60] wrk -t2 -c16 -d60s -s load_mix.lua http://127.0.0.1:PORT
local token = os.getenv("TOKEN")
local families = tonumber(os.getenv("FAMILIES") or "60")
local open = {}
for family, episode in string.gmatch(os.getenv("OPEN") or "", "(%w+):(%w+)") do
  table.insert(open, { family, episode })
end
local counts_by_thread = {}

local function uuid()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = (t[7] % 16) + 64   -- version 4
  t[9] = (t[9] % 64) + 128  -- RFC 4122 variant
  local hex = string.format(string.rep("%02x", 16), (table.unpack or unpack)(t))
  return hex:sub(1, 8) .. "-" .. hex:sub(9, 12) .. "-" .. hex:sub(13, 16) .. "-" ..
      hex:sub(17, 20) .. "-" .. hex:sub(21, 32)
end

function setup(thread)
  thread:set("id", #counts_by_thread + 1)
  table.insert(counts_by_thread, thread)
end

function init(args)
  math.randomseed(os.time() + id * 7919)
  ok, bad, reads, appends = 0, 0, 0, 0
  statuses = ""
  note = 0
end

function request()
  local family = "G" .. math.random(1, families)
  local headers = { ["Authorization"] = "Bearer " .. token }
  local roll = math.random(1, 10)
  if roll <= 8 or #open == 0 then
    reads = reads + 1
    if roll <= 4 then
      return wrk.format("GET", "/v1/families/" .. family .. "/chronology", headers)
    end
    return wrk.format("GET", "/v1/families/" .. family, headers)
  end
  appends = appends + 1
  note = note + 1
  local target = open[math.random(1, #open)]
  family = target[1]
  headers["Content-Type"] = "application/json"
  local body = '{"expectedVersion":"any","events":[{"eventId":"' .. uuid() ..
      '","type":"caseNoteAdded","occurredAt":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60) ..
      '","data":{"episodeId":"' .. target[2] .. '","noteId":"L' .. id .. "-" .. note .. "-" ..
      math.random(1, 1e9) ..
      '","category":"contact","text":"Load test note","significant":false}}]}'
  return wrk.format("POST", "/v1/families/" .. family .. "/events", headers, body)
end

function response(status, headers, body)
  -- 200 (a read) and 201 (appended) only: the appends go to open episodes, so a rule's
  -- refusal (422) is an error here too.
  if status == 200 or status == 201 then
    ok = ok + 1
  else
    bad = bad + 1
    if #statuses < 200 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local ok_total, bad_total, reads_total, appends_total = 0, 0, 0, 0
  local seen = ""
  for _, thread in ipairs(counts_by_thread) do
    ok_total = ok_total + (thread:get("ok") or 0)
    bad_total = bad_total + (thread:get("bad") or 0)
    reads_total = reads_total + (thread:get("reads") or 0)
    appends_total = appends_total + (thread:get("appends") or 0)
    seen = seen .. (thread:get("statuses") or "")
  end
  io.write(string.format(
      "load: requests=%d ok=%d errors=%d reads=%d appends=%d socket_errors=%d " ..
      "(connect=%d read=%d write=%d timeout=%d) p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
      "statuses=[%s]\n",
      summary.requests, ok_total, bad_total, reads_total, appends_total,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, seen))
end
