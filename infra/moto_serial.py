"""moto_server, serving one request at a time.

Threaded moto checks a DynamoDB transaction's conditions and then writes without a lock, so
concurrent transactions on one item can both succeed. DynamoDB itself isolates them; serving
one request at a time gives moto the same guarantee, which the concurrency tests rely on.
Usage: python infra/moto_serial.py -H 127.0.0.1 -p PORT
"""

import sys

import moto.server as server

_run_simple = server.run_simple
server.run_simple = lambda *args, **kwargs: _run_simple(*args, **{**kwargs, "threaded": False})

if __name__ == "__main__":
    server.main(sys.argv[1:])
