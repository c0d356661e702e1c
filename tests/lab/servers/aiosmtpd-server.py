#!/usr/bin/python3
"""aiosmtpd 1.4 (Debian's python3-aiosmtpd) for tests/scripts/test_servers.sh.

    aiosmtpd-server.py ADDR PORT USER PASSWORD SIZE

An MX on ADDR:PORT that takes every recipient, throws every message away,
refuses a message bigger than SIZE bytes with aiosmtpd's own
"552 Error: Too much mail data" (data_size_limit), and offers AUTH PLAIN and
LOGIN without TLS (auth_require_tls=False) for USER / PASSWORD.  It prints
"ready" once it listens, so the caller need not poll.
"""
import asyncio
import signal
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Discard:
    """Accept the message and keep nothing."""

    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Message accepted for delivery"


def main():
    addr, port, user, password, size = sys.argv[1:6]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd itself answers a failure (535 5.7.8).
        return AuthResult(success=ok, handled=False)

    def factory():
        return SMTP(Discard(), hostname="mx.aiosmtpd.lab.test",
                    data_size_limit=int(size), auth_require_tls=False,
                    authenticator=authenticator)

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(factory, host=addr, port=int(port)))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("ready", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
