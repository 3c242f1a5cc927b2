"""moto_server, serving one request at a time.

Threaded moto checks a DynamoDB transaction's conditions and then writes without a lock, so
concurrent transactions on one item can both succeed. DynamoDB itself isolates them; serving
one request at a time gives moto the same guarantee, which the concurrency tests rely on.

With MOTO_COPY_ONCE=1 (the benchmarks), a transaction copies its table once instead of once per
action: moto backs the table up before the transaction by deep-copying it for every action, all
copies of the same unchanged state, so a 100-action transaction on a table of 10,000 items
copies a million items. One copy is the same backup; the behaviour does not change, only
moto's time, which otherwise grows with the table times the actions.
Usage: python infra/moto_serial.py -H 127.0.0.1 -p PORT
"""

import copy
import os
import sys
import types

import moto.dynamodb.models as dynamodb_models
import moto.server as server

_run_simple = server.run_simple
server.run_simple = lambda *args, **kwargs: _run_simple(*args, **{**kwargs, "threaded": False})


def copy_once(transact_write_items):
    """The backend's transact_write_items, deep-copying each table at most once per call."""

    def once(self, transact_items):
        backups = {}

        def deepcopy(value, memo=None):
            if not isinstance(value, dynamodb_models.Table):
                return copy.deepcopy(value, memo)
            # Keyed by the table itself, which stays alive meanwhile.
            if id(value) not in backups:
                backups[id(value)] = (value, copy.deepcopy(value, memo))
            return backups[id(value)][1]

        dynamodb_models.copy = types.SimpleNamespace(deepcopy=deepcopy)
        try:
            return transact_write_items(self, transact_items)
        finally:
            dynamodb_models.copy = copy

    return once


if os.environ.get("MOTO_COPY_ONCE") == "1":
    backend = dynamodb_models.DynamoDBBackend
    backend.transact_write_items = copy_once(backend.transact_write_items)

if __name__ == "__main__":
    server.main(sys.argv[1:])
