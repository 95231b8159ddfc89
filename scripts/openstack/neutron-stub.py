"""A stand-in for the Neutron API in the dev/test cloud of scripts/openstack-dev.sh.

There is no Neutron in that cloud; servers boot with "networks": "none". Nova (Zed) still calls
the `network` endpoint of the catalog: it lists ports and security groups when it shows or lists
servers and when it deletes one, and fails with EndpointNotFound (500) when the catalog has no
such endpoint. This stub is that endpoint: every collection is empty, every single resource is
404, and nothing can be created, which is what a server without ports looks like to Nova.

Standard library only. Usage: /usr/bin/python3 neutron-stub.py [HOST [PORT]]
(default 127.0.0.1 9696)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOST = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 9696


class NeutronStub(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'sirocco-neutron-stub'

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self):
        self.reply(404, {'NeutronError': {
            'type': 'NotFound', 'detail': '',
            'message': 'The resource could not be found (%s has no Neutron, only this stub).'
                       % self.server_version}})

    def do_GET(self):
        parts = [p for p in urlsplit(self.path).path.split('/') if p]
        if not parts:  # version discovery
            return self.reply(200, {'versions': [{
                'id': 'v2.0', 'status': 'CURRENT',
                'links': [{'rel': 'self', 'href': 'http://%s:%d/v2.0/' % (HOST, PORT)}]}]})
        if parts[0] == 'v2.0':
            parts = parts[1:]
        if not parts:
            return self.reply(200, {'resources': []})
        if parts[-1].endswith('.json'):
            parts[-1] = parts[-1][:-len('.json')]
        if len(parts) == 1:  # a collection: ports, networks, security-groups, extensions, ...
            return self.reply(200, {parts[0].replace('-', '_'): []})
        if parts[0] == 'quotas':
            return self.reply(200, {'quota': {}})
        return self.not_found()

    def refuse(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        self.not_found()

    do_POST = do_PUT = do_PATCH = do_DELETE = refuse

    def log_message(self, fmt, *args):
        sys.stderr.write('%s %s\n' % (self.log_date_time_string(), fmt % args))


if __name__ == '__main__':
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((HOST, PORT), NeutronStub).serve_forever()
