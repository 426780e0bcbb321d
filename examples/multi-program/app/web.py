"""Stands in for a web app: serves /app/www on port 8000, and /healthz for
tend's ready check (204, no body) without logging every probe. On SIGTERM
it says so and stops at once."""

import signal
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class Handler(SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            self.send_response(204)
            self.end_headers()
        else:
            super().do_GET()

    def log_message(self, format, *args):
        if self.path != "/healthz":
            super().log_message(format, *args)


def stop(signum, frame):
    print("web: stopping")
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = ThreadingHTTPServer(("", 8000), partial(Handler, directory="/app/www"))
print("web: serving on port 8000")
server.serve_forever()
