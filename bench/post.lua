-- wrk: POST the body in $BODY with the headers a client would send.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("PROXY_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
