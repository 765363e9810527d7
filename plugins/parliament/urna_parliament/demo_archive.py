"""The demo sitting's archive, as the secretariat files it after the sitting: the drafts
with their readings' outcomes and texts, each speech's transcript (in Azerbaijani) and
audio, and the presiding officer's signature of the minutes.

Called by ``demo.py`` once the sitting has closed; everything goes through the same
functions as the HTTP API (checked uploads, events, rows), so the demo's stenogram and
drafts pages show what a real appliance would.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Mapping

from urna.api import Services

from urna_parliament.archive_record import DRAFTS_SCOPE, STENOGRAM_SCOPE
from urna_parliament.drafts import attach_document, register_draft, set_reading
from urna_parliament.hall import CardSigner, hall_of
from urna_parliament.media import Upload, file_digest
from urna_parliament.minutes import protocol
from urna_parliament.models import SpeechRecord
from urna_parliament.signing import sign_minutes, statement_to_sign
from urna_parliament.stenogram import attach_speech_file

ARCHIVE_SCOPES = (STENOGRAM_SCOPE, DRAFTS_SCOPE)
"""The archive's scopes, which the demo exports and verifies beside the sitting's."""
DRAFTS = {
    "1234-7GQ": ("Vergi Məcəlləsinə dəyişikliklər edilməsi haqqında", "Nazirlər Kabineti"),
    "0077-7GK": ("Konstitusiya qanununa əlavələr", "Milli Məclisin deputatları"),
}
TRANSCRIPTS: Mapping[str, tuple[str, ...]] = {
    "1234-7GQ": (
        "Hörmətli sədr, hörmətli həmkarlar! Vergi Məcəlləsinə təklif olunan dəyişikliklər "
        "kiçik və orta sahibkarlığın vergi yükünü azaldır, sadələşdirilmiş vergi üzrə "
        "dövriyyə həddini artırır.\n\nKomitədə müzakirə zamanı regionlarda fəaliyyət "
        "göstərən sahibkarların təklifləri nəzərə alınıb. Layihənin birinci oxunuşda qəbul "
        "edilməsini təklif edirəm.",
        "Təşəkkür edirəm. Layihəni ümumilikdə dəstəkləyirəm, lakin əmlak vergisi ilə bağlı "
        "maddənin ikinci oxunuşa qədər yenidən işlənməsini xahiş edirəm: kənd yerlərində "
        "yaşayan vətəndaşlar üçün güzəştlər aydın yazılmayıb.",
        "Hörmətli deputatlar, rəqəmsal xidmətlərə ƏDV tətbiqi büdcəyə əlavə gəlir gətirəcək. "
        "Bu gəlirin təhsil və səhiyyə xərclərinə yönəldilməsini vacib hesab edirəm.",
    ),
    "resolution": (
        "Hesablama Palatasının hesabatı dövlət büdcəsinin icrasına nəzarətin gücləndiyini "
        "göstərir. Audit tövsiyələrinin icrası barədə hökumətin altı aydan bir məlumat "
        "verməsini təklif edirəm.",
        "Hesabatda dövlət satınalmaları üzrə nöqsanlar qeyd olunub. Qətnamə layihəsinə bu "
        "nöqsanların aradan qaldırılması üçün müddət əlavə edilməlidir.",
    ),
    "0077-7GK": (
        "Hörmətli sədr! Konstitusiya qanununa təklif olunan əlavələr insan hüquqlarının "
        "müdafiəsi mexanizmlərini gücləndirir. Əlavələrin qəbul edilməsini xahiş edirəm.",
    ),
}
TONE_SECONDS = 2
SAMPLE_RATE = 8000


def _tone(pitch: int) -> bytes:
    """A short quiet tone as WAV: a playable stand-in for a speech's recording."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(SAMPLE_RATE)
        sound.writeframes(
            b"".join(
                struct.pack("<h", int(3000 * math.sin(2 * math.pi * pitch * n / SAMPLE_RATE)))
                for n in range(TONE_SECONDS * SAMPLE_RATE)
            )
        )
    return out.getvalue()


def _pdf(number: str, title: str) -> bytes:
    """A one-page draft text as PDF."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    from urna_parliament.minutes import pdf_fonts

    regular, _ = pdf_fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    page.setFont(regular, 14)
    page.drawString(72, 770, f"Qanun layihəsi No. {number}")
    page.setFont(regular, 11)
    page.drawString(72, 740, title)
    page.showPage()
    page.save()
    return out.getvalue()


def _upload(data: bytes, media_type: str, filename: str) -> Upload:
    return Upload(data, file_digest(data), media_type, filename)


async def file_demo_archive(
    services: Services, sitting: int, cards: Mapping[str, CardSigner]
) -> None:
    """Drafts, transcripts, recordings and the signed minutes of the demo's closed sitting."""
    hall = hall_of(services)
    minutes = protocol(await hall.state(sitting))
    for number, (title, initiator) in DRAFTS.items():
        await register_draft(services, number, title, initiator, "2026-02-17")
        await attach_document(
            services,
            number,
            "Qanun layihəsi",
            _upload(_pdf(number, title), "application/pdf", f"{number}.pdf"),
        )
    for item in minutes["agenda"]:
        votes = [v for v in item["votes"] if v.get("result") and v["repeated_by"] is None]
        if item["draft_number"] in DRAFTS and votes:
            status = votes[-1]["result"]["outcome"]
            await set_reading(
                services,
                item["draft_number"],
                item["reading"],
                "adopted" if status == "adopted" else "rejected",
                minutes["date"],
                sitting,
            )
        texts = TRANSCRIPTS[item["draft_number"] or "resolution"]
        speeches = await SpeechRecord.filter(sitting=sitting, item=item["item"]).order_by("speech")
        for n, speech in enumerate(speeches):
            text = texts[n % len(texts)].encode()
            await attach_speech_file(
                services,
                sitting,
                speech.speech,
                "transcript",
                _upload(text, "text/plain", f"{sitting}-{speech.speech}.txt"),
            )
            await attach_speech_file(
                services,
                sitting,
                speech.speech,
                "audio",
                _upload(
                    _tone(180 + 20 * speech.speech), "audio/wav", f"{sitting}-{speech.speech}.wav"
                ),
            )
    signing = await statement_to_sign(hall, sitting)
    card = cards[signing["member"]]
    sig = card.sign(bytes.fromhex(signing["statement"])).hex()
    await sign_minutes(hall, sitting, signing["member"], signing["record"], sig)
