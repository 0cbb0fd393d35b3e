"""A Flask receiver written the way GitHub-style webhooks are checked: HMAC-SHA256 of the raw
body, keyed with the secret text, sent as `sha256=<hex>` in one header. It is what an endpoint
with this signature gets from Herald:

    {"scheme": "hmac-sha256", "header": "X-Hub-Signature-256", "prefix": "sha256="}

    WEBHOOK_SECRET=whsec_... PORT=4000 python3 examples/flask_hmac_sha256.py

SIGNATURE_HEADER changes the header. Standard library only besides Flask (Debian:
apt-get install python3-flask). Prints `verified <webhook-id> <X-Herald-Event>` and answers
204, or 401.
"""
import hashlib
import hmac
import os
import sys

from flask import Flask, request

SECRET = os.environ.get("WEBHOOK_SECRET", "")
if not SECRET:
    sys.exit("WEBHOOK_SECRET is not set: give it the endpoint's signing_secret, exactly as shown")
HEADER = os.environ.get("SIGNATURE_HEADER", "X-Hub-Signature-256")

app = Flask(__name__)


@app.post("/", defaults={"path": ""})
@app.post("/<path:path>")
def receive(path):
    # The key is the secret's text (whsec_ included), the message the raw body bytes.
    expected = "sha256=" + hmac.new(SECRET.encode(), request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get(HEADER, ""), expected):
        print(f"REJECTED: {HEADER} does not match", flush=True)
        return "", 401
    print(f"verified {request.headers.get('webhook-id')} {request.headers.get('X-Herald-Event')}", flush=True)
    return "", 204


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "4000")))
