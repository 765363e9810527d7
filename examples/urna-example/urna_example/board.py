"""Posting a notice: the event and the table row in one transaction."""

from __future__ import annotations

from urna.api import Ledger

from urna_example.models import Notice
from urna_example.record import NOTICE_POSTED, SCOPE


async def post_notice(ledger: Ledger, text: str, author: str) -> Notice:
    async with ledger.transaction():
        last = await Notice.all().order_by("-number").first()
        number = 1 if last is None else last.number + 1
        event = await ledger.append(
            SCOPE, NOTICE_POSTED.name, {"number": number, "text": text, "author": author}
        )
        return await Notice.create(number=number, text=text, author=author, seq=event.seq)
