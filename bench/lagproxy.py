#!/usr/bin/env python3
# A TCP proxy that delays every chunk by a fixed one-way time, in order: a database server
# "elsewhere" for the bench (loopback answers in microseconds; a CRM's PostgreSQL on another host
# of the same data centre answers in 0.2-1 ms, and every statement waits for it).
#   python3 bench/lagproxy.py <listen port> <server port> <one-way delay ms>
#   build/bench/pds-bench ... --database postgresql://postgres@127.0.0.1:<listen port>
import asyncio, sys, time
LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000.0

async def pipe(reader, writer):
    q = asyncio.Queue()
    async def pump():
        while True:
            item = await q.get()
            if item is None:
                writer.close(); return
            due, data = item
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
    task = asyncio.ensure_future(pump())
    while True:
        data = await reader.read(65536)
        if not data:
            await q.put(None); break
        await q.put((time.monotonic() + DELAY, data))
    await task

async def handle(cr, cw):
    sr, sw = await asyncio.open_connection('127.0.0.1', TARGET)
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw), return_exceptions=True)

async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', LISTEN)
    async with server:
        await server.serve_forever()
asyncio.run(main())
