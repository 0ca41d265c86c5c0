"""A real SMTP server for the tests: aiosmtpd on loopback, one JSON line per message with
the raw Subject header and the decoded subject and body (decoded by Python's email package,
an independent reader of what we encode)."""
import asyncio, json, sys
from email import message_from_bytes, policy
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]

class Sink:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        raw_subject = message_from_bytes(raw).get("Subject", "")
        line = {
            "rcpt": envelope.rcpt_tos,
            "raw_subject": str(raw_subject),
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "message_id": str(msg["message-id"]),
            "date": msg["date"].datetime.isoformat() if msg["date"] else "",
            "body": msg.get_body(preferencelist=("plain",)).get_content(),
        }
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
