"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

Every Bot API call goes through `BaseRequest.do_request`. With the default `HTTPXRequest` a
call costs about 0.9 ms of this process's time on a small virtual machine (httpx and httpcore
build and parse each request in pure Python); with aiohttp, whose HTTP parser is compiled, it
costs about half as much (`bench/`, B2). Behaviour is the library's: the status code and body
go back to `BaseRequest`, which turns them into results and `TelegramError`s; a timeout becomes
`TimedOut` and any other failure to talk to the server `NetworkError`, as with httpx. Proxies
come from the usual environment variables (HTTPS_PROXY, NO_PROXY, …), as they do for httpx;
they are looked up once per server, not on every call (aiohttp's `trust_env` would look them
up, and a ~/.netrc, in a worker thread each time).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram import Bot
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.core.config import Settings

_DEFAULT = BaseRequest.DEFAULT_NONE
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One connection pool; the Application needs one for its calls and one for getUpdates."""

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str | None, int | None], tuple[Any, Any]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )
        self._proxies = {}

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = _DEFAULT,
        write_timeout: Any = _DEFAULT,
        connect_timeout: Any = _DEFAULT,
        pool_timeout: Any = _DEFAULT,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data: Any = None
        headers: dict[str, str] | None = None
        files = request_data.multipart_data if request_data is not None else None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, part in files.items():
                    if isinstance(part, tuple):
                        filename, content, mimetype = part
                        form.add_field(name, content, filename=filename, content_type=mimetype)
                    else:
                        form.add_field(name, part)
                data = form
            else:
                # One JSON body, as the Bot API accepts for every call without a file: encoded
                # in C, where a form would quote each character of a long text in Python.
                data = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                headers = _JSON
        read = _or(read_timeout, self._read_timeout)
        connect = _or(connect_timeout, self._connect_timeout)
        pool = _or(pool_timeout, self._pool_timeout)
        # As with httpx, each timeout bounds one step (connecting, a read), not the whole
        # exchange, so a large file is not cut off. aiohttp has no write timeout: a stalled
        # upload ends when the server's reply does not come within the read timeout.
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_read=read,
            sock_connect=connect,
            connect=None if connect is None or pool is None else connect + pool,
        )
        proxy, proxy_auth = self._proxy_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy_for(self, url: str) -> tuple[Any, Any]:
        target = URL(url)
        key = (target.scheme, target.host, target.port)
        if key not in self._proxies:
            try:
                self._proxies[key] = get_env_proxy_for_url(target)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]


def _or(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def make_bot(settings: Settings) -> Bot:
    """A Bot on the configured API server (the outbox sender's and the CLI's own)."""
    return Bot(
        settings.require_token(),
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connections=1),
    )
