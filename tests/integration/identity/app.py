"""Minimal WSGI app for test_service_identity (run as `gunicorn app:app`)."""


def app(environ, start_response):
    body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
