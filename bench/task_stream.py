#!/usr/bin/env python3
"""Load generator of bench/task-bench.sh: the task API over mutual TLS, from the standard library
alone (asyncio + ssl). Two measurements, each printed as one JSON line:

  stream  N times: submit a task whose agent reports EVENTS progress events, read its event
          stream to the end; the time from submit to the last event and events per second.
          The same task through POST /api/message (no stream) is timed beside it.
  idle    open STREAMS event streams on TASKS long tasks, hold them; the caller measures the
          server between the phases (this script waits on stdin: "opened" / "close").
"""
import argparse
import asyncio
import json
import ssl
import sys
import time


def context(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{certs}/chain.pem")
    ctx.load_cert_chain(f"{certs}/client.fullchain.pem", f"{certs}/client.key")
    return ctx


async def connect(args, ctx):
    return await asyncio.open_connection("127.0.0.1", args.port, ssl=ctx,
                                         server_hostname="bench.mesh")


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def read_body(reader, headers):
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return body
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    return await reader.readexactly(int(headers.get(b"content-length", b"0")))


async def request(args, ctx, method, path, body=b""):
    reader, writer = await connect(args, ctx)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: bench.mesh\r\nContent-Type: application/json"
                 f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    status, headers = await read_head(reader)
    data = await read_body(reader, headers)
    writer.close()
    return status, data


def submit_body(agent, timeout_ms=120000):
    return json.dumps({"fromAgent": "bench", "toAgent": agent, "message": "go",
                       "timeoutMs": timeout_ms}).encode()


async def one_stream(args, ctx):
    started = time.perf_counter()
    status, data = await request(args, ctx, "POST", "/api/tasks", submit_body(args.agent))
    if status != 202:
        raise SystemExit(f"task-bench: submit answered {status}: {data[:200]!r}")
    task = json.loads(data)["id"]
    submitted = time.perf_counter()
    reader, writer = await connect(args, ctx)
    writer.write(f"GET /api/tasks/{task}/events HTTP/1.1\r\nHost: bench.mesh\r\n\r\n".encode())
    status, headers = await read_head(reader)
    stream = await read_body(reader, headers)  # the stream ends after the terminal state
    ended = time.perf_counter()
    writer.close()
    events = stream.count(b"event: progress\n")
    if b'"state":"completed"' not in stream:
        raise SystemExit(f"task-bench: the task did not complete: {stream[-300:]!r}")
    return {"events": events, "submit_ms": (submitted - started) * 1000,
            "total_ms": (ended - started) * 1000, "bytes": len(stream)}


async def stream_bench(args, ctx):
    runs = [await one_stream(args, ctx) for _ in range(args.runs)]
    plain = []
    for _ in range(args.runs):
        t = time.perf_counter()
        status, data = await request(args, ctx, "POST", "/api/message", submit_body(args.agent))
        if status != 200:
            raise SystemExit(f"task-bench: /api/message answered {status}: {data[:200]!r}")
        plain.append((time.perf_counter() - t) * 1000)
    runs.sort(key=lambda r: r["total_ms"])
    mid = runs[len(runs) // 2]
    plain.sort()
    print(json.dumps({"section": "stream", "runs": args.runs, "events": mid["events"],
                      "submit_ms": round(mid["submit_ms"], 2),
                      "total_ms": round(mid["total_ms"], 1),
                      "events_per_s": round(mid["events"] / (mid["total_ms"] / 1000)),
                      "stream_bytes": mid["bytes"],
                      "message_ms": round(plain[len(plain) // 2], 1)}), flush=True)


async def hold(args, ctx, task, ready):
    reader, writer = await connect(args, ctx)
    writer.write(f"GET /api/tasks/{task}/events HTTP/1.1\r\nHost: bench.mesh\r\n\r\n".encode())
    status, _ = await read_head(reader)
    if status != 200:
        raise SystemExit(f"task-bench: events answered {status}")
    ready.set()
    keepalives = 0
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            keepalives += line.startswith(b": keep-alive")
    except (asyncio.CancelledError, ConnectionError):
        pass
    writer.close()
    return keepalives


async def idle_bench(args, ctx):
    tasks = []
    for _ in range(args.tasks):
        status, data = await request(args, ctx, "POST", "/api/tasks", submit_body(args.agent))
        if status != 202:
            raise SystemExit(f"task-bench: submit answered {status}: {data[:200]!r}")
        tasks.append(json.loads(data)["id"])
    holders = []
    window = asyncio.Semaphore(64)  # handshakes at once, below the per-address cap

    async def start(i):
        async with window:
            ready = asyncio.Event()
            holders.append(asyncio.ensure_future(hold(args, ctx, tasks[i % len(tasks)], ready)))
            await asyncio.wait_for(ready.wait(), 30)

    t = time.perf_counter()
    await asyncio.gather(*(start(i) for i in range(args.streams)))
    open_s = time.perf_counter() - t
    print(json.dumps({"section": "idle-opened", "streams": len(holders),
                      "open_s": round(open_s, 2)}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # the caller measures, then says close
    for h in holders:
        h.cancel()
    got = await asyncio.gather(*holders, return_exceptions=True)
    keepalives = sum(g for g in got if isinstance(g, int))
    for task in tasks:
        await request(args, ctx, "POST", f"/api/tasks/{task}/cancel")
    print(json.dumps({"section": "idle-closed", "keepalives": keepalives}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("section", choices=["stream", "idle"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--certs", required=True)
    p.add_argument("--agent", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--tasks", type=int, default=10)
    args = p.parse_args()
    ctx = context(args.certs)
    asyncio.run(stream_bench(args, ctx) if args.section == "stream" else idle_bench(args, ctx))


if __name__ == "__main__":
    main()
