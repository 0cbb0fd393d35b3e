"""A Flask receiver for Standard Webhooks (the default `standard-webhooks` scheme), with the
Python standard library only: HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{raw body}"
keyed with the base64-decoded secret, compared with every `v1,` entry of webhook-signature.

    WEBHOOK_SECRET=whsec_... PORT=4000 python3 examples/flask_standard_webhooks.py

Prints `verified <webhook-id> <event_type>` and answers 204, or 400 with `REJECTED: <reason>`.
Needs Flask (Debian: apt-get install python3-flask).
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

from flask import Flask, request

SECRET = os.environ.get("WEBHOOK_SECRET", "")
if not SECRET:
    sys.exit("WEBHOOK_SECRET is not set: give it the endpoint's signing_secret (whsec_...)")
KEY = base64.b64decode(SECRET.removeprefix("whsec_"), validate=True)
TOLERANCE_SECONDS = 300

app = Flask(__name__)


def refusal(headers, body):
    """Why the request must be refused, or None."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return "timestamp outside tolerance"
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return None
    return "no v1 signature matches"


@app.post("/", defaults={"path": ""})
@app.post("/<path:path>")
def receive(path):
    body = request.get_data()  # the raw bytes: verify before parsing JSON
    reason = refusal(request.headers, body)
    if reason:
        print(f"REJECTED: {reason}", flush=True)
        return "", 400
    event = json.loads(body)
    print(f"verified {request.headers['webhook-id']} {event.get('event_type')}", flush=True)
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "4000")))
