"""A fast stand-in for Marketing Cloud's OTT API on loopback, for the throughput benchmark.

asyncio, HTTP/1.1 keep-alive, no framework, so the stub is not the bottleneck. Endpoints:
- `POST /v2/token` -> a bearer token;
- `POST /ott/v1/send` -> after the added latency, 201 `{"ottRequestId": ...}`; counts each messageKey;
- `GET /ott/v1/send/{key}` -> 200 with a final `Sent` event (404 for an unknown key);
- `GET /stats` -> `{"posts": n, "unique": n, "duplicates": n}`.

Run: `python bench/stub.py --latency 0.05` prints `port N` on its first line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid

accepted: dict[str, str] = {}
posts = 0


def _answer(status: int, body: dict) -> bytes:
    data = json.dumps(body).encode()
    reason = {200: "OK", 201: "Created", 404: "Not Found", 400: "Bad Request"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float) -> None:
    global posts
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                break
            method, path, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            if method == "POST" and path.endswith("/v2/token"):
                answer = _answer(200, {"access_token": "stub-token", "expires_in": 1080, "token_type": "Bearer"})
            elif method == "POST" and path.endswith("/ott/v1/send"):
                await asyncio.sleep(latency)
                key = str(json.loads(body).get("messageKey"))
                posts += 1
                request_id = accepted.setdefault(key, str(uuid.uuid4()))
                answer = _answer(201, {"ottRequestId": request_id, "messageKey": key})
            elif method == "GET" and "/ott/v1/send/" in path:
                key = path.rsplit("/", 1)[1]
                found = key in accepted
                answer = _answer(200, {"status": [{"event": "Sent"}]}) if found else _answer(404, {"message": "no"})
            elif method == "GET" and path == "/stats":
                answer = _answer(200, {"posts": posts, "unique": len(accepted), "duplicates": posts - len(accepted)})
            else:
                answer = _answer(404, {"message": f"{method} {path}"})
            writer.write(answer)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


async def main(latency: float, port: int) -> None:
    server = await asyncio.start_server(lambda r, w: handle(r, w, latency), "127.0.0.1", port, backlog=1024)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each send (default 0.05)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.latency, args.port))
