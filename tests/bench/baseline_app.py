"""The stack's limit for benchmark 1: a bare FastAPI + asyncpg endpoint inserting one row, served like a service.

Usage: python baseline_app.py DSN PORT  (uvicorn as `outreach_shared.runtime.serve` runs it: one process, uvloop,
httptools, no access log; a pool of 2..10 connections like a service's default; the garbage collector settled after
start-up as in a service, `settle_garbage_collector`).
"""

import contextlib
import json
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from outreach_shared.http import settle_garbage_collector

DDL = """
CREATE SCHEMA IF NOT EXISTS bench_baseline;
CREATE TABLE IF NOT EXISTS bench_baseline.requests (id UUID PRIMARY KEY, body JSONB NOT NULL,
                                                    created_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""


def create_app(dsn: str) -> FastAPI:
    pools: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pools["db"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        await pools["db"].execute(DDL)
        settle_garbage_collector()
        yield
        await pools["db"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/v1/visit-requests", status_code=201)
    async def insert(body: dict[str, Any] = Body(...)) -> JSONResponse:
        new_id = uuid.uuid4()
        await pools["db"].execute("INSERT INTO bench_baseline.requests (id, body) VALUES ($1, $2::jsonb)",
                                  new_id, json.dumps(body))
        return JSONResponse({"id": str(new_id), "status": "requested"}, status_code=201)

    return app


if __name__ == "__main__":
    dsn, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(create_app(dsn), host="127.0.0.1", port=port, log_config=None, access_log=False)
