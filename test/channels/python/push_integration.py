#!/usr/bin/env python3
"""A push integration written only against the vendor's documentation, as a real one is.

It knows nothing of Switchboard: it builds https://{subdomain}.zendesk.com/... from the
subdomain the admin-UI hand-off posts it, and authenticates with the zendesk_access_token
it is handed. Its only other inputs are the standard environment of `requests`
(HTTPS_PROXY, REQUESTS_CA_BUNDLE). It serves its manifest, its admin UI, and a
channelback endpoint; POST /send pushes one message, POST /validate checks the token.
Prints "listening PORT" once ready and one JSON line per channelback received.
"""
import json
import sys
import urllib.parse
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

PUSH_URL = "https://{subdomain}.zendesk.com/api/v2/any_channel/push"
VALIDATE_URL = "https://{subdomain}.zendesk.com/api/v2/any_channel/validate_token"

handed = {}
replies = 0


class Integration(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def answer(self, status, content_type, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")

    def do_GET(self):
        if self.path != "/manifest.json":
            return self.answer(404, "text/plain", "not found")
        manifest = {
            "name": "Python Push Channel",
            "id": "com.example.python-push",
            "version": "1.0.0",
            "author": "Example",
            "push_client_id": "python-push-client",
            "urls": {"admin_ui": "./admin_ui", "channelback_url": "./channelback"},
        }
        self.answer(200, "application/json", json.dumps(manifest))

    def do_POST(self):
        global replies
        if self.path == "/admin_ui":
            fields = dict(urllib.parse.parse_qsl(self.body(), keep_blank_values=True))
            handed.update(
                subdomain=fields["subdomain"],
                instance_push_id=fields["instance_push_id"],
                token=fields["zendesk_access_token"],
            )
            page = (
                '<!doctype html><form method="post" action="%s">'
                '<input name="name" value="Python inbox"><input type="hidden" name="metadata" value="{}">'
                "<button>Save</button></form>" % escape(fields["return_url"])
            )
            return self.answer(200, "text/html; charset=utf-8", page)
        if self.path == "/send":
            text = json.loads(self.body())["text"]
            pushed = requests.post(
                PUSH_URL.format(subdomain=handed["subdomain"]),
                headers={"Authorization": "Bearer " + handed["token"]},
                json={
                    "instance_push_id": handed["instance_push_id"],
                    "external_resources": [
                        {
                            "external_id": "py-message-1",
                            "message": text,
                            "created_at": "2024-05-01T10:00:00Z",
                            "author": {"external_id": "py-customer", "name": "Py Customer"},
                            "thread_id": "py-conversation",
                        }
                    ],
                },
                timeout=30,
            )
            return self.answer(pushed.status_code, "application/json", pushed.text)
        if self.path == "/validate":
            checked = requests.post(
                VALIDATE_URL.format(subdomain=handed["subdomain"]),
                headers={"Authorization": "Bearer " + handed["token"]},
                json={"instance_push_id": handed["instance_push_id"]},
                timeout=30,
            )
            return self.answer(200, "application/json", json.dumps({"status": checked.status_code}))
        if self.path == "/channelback":
            fields = dict(urllib.parse.parse_qsl(self.body(), keep_blank_values=True))
            replies += 1
            print(json.dumps({"channelback": fields.get("message"), "thread_id": fields.get("thread_id")}), flush=True)
            answer = {"external_id": "py-reply-%d" % replies, "allow_channelback": True}
            return self.answer(200, "application/json", json.dumps(answer))
        self.answer(404, "text/plain", "not found")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Integration)
    print("listening %d" % server.server_address[1], flush=True)
    sys.stdout.flush()
    server.serve_forever()
