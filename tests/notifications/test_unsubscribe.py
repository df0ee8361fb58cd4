"""The sealed one-click unsubscribe link in every email: in List-Unsubscribe (RFC 8058) and the
body, working signed out, from a browser (a confirmation page) and from a mail program (a POST
without our CSRF token); it does not show whom it is for, and a tampered link does nothing."""

from __future__ import annotations

import base64
import json
import struct
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as ideas
from portal.notifications import unsubscribe
from portal.notifications.models import KINDS, EmailOutbox, Notification, Preference
from tests import factories as f
from tests.conftest import SECRET, login_as
from tests.decisions import publish


def preferences_of(engine, user) -> dict[str, str]:
    with db.read(engine) as s:
        return dict(
            s.execute(
                select(Preference.kind, Preference.mode).where(Preference.user_id == user.id)
            ).all()
        )


def link_from(message) -> str:
    """The unsubscribe address (path only) from an email's List-Unsubscribe header."""
    header = message["List-Unsubscribe"]
    assert header.startswith("<http://testserver/unsubscribe/") and header.endswith(">")
    return header[1:-1].removeprefix("http://testserver")


def comment_email(engine, worker, inbox, patron, other_patron, category, title="Open later"):
    """The email the patron gets when someone comments on their idea."""
    idea = f.idea(engine, patron, category, title=title)
    f.comment(engine, other_patron, idea.id)
    worker.step()
    [message] = inbox.by_recipient(patron.email)
    return idea, message


def tamper(url: str) -> str:
    """Change one character of the token."""
    i = len(url) - 5
    return url[:i] + ("A" if url[i] != "A" else "B") + url[i + 1 :]


def test_email_carries_one_click_unsubscribe_headers(
    engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = link_from(message)
    assert f"http://testserver{url}" in message.get_content()
    token = url.removeprefix("/unsubscribe/")
    assert unsubscribe.read_token(SECRET, token) == (patron.id, "comment")


def test_unsubscribe_link_shows_a_confirmation_page_signed_out(
    client, engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    response = client.get(link_from(message))
    assert response.status_code == 200
    assert "Stop these emails:" in response.text
    assert "New comments and replies on ideas I follow" in response.text
    assert '<form method="post">' in response.text
    assert '<button type="submit" class="button">Unsubscribe</button>' in response.text
    assert preferences_of(engine, patron) == {}  # looking changes nothing


def test_one_click_post_without_a_csrf_token_turns_that_kind_off(
    client, engine, worker, smtp_server, patron, other_patron, committee, staff, category
):
    idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    response = client.post(link_from(message), {"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    assert "Done. You will no longer get these emails:" in response.text
    assert preferences_of(engine, patron) == {"comment": "off"}
    sent = len(smtp_server.messages)

    f.comment(engine, committee, idea.id)  # the next comment: in-app only for the patron
    worker.step()
    assert smtp_server.by_recipient(patron.email) == [message]
    assert len(smtp_server.messages) == sent + 1  # other_patron still hears of it
    with db.read(engine) as s:
        assert s.execute(
            select(Notification.id).where(
                Notification.user_id == patron.id, Notification.kind == "comment"
            )
        ).all()
    # Other kinds of email still come.
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea.id, status="planned")
    worker.step()
    assert len(smtp_server.by_recipient(patron.email)) == 2


def test_unsubscribing_twice_is_harmless(
    client, engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    for _ in range(2):
        assert client.post(link_from(message), csrf=False).status_code == 200
    assert preferences_of(engine, patron) == {"comment": "off"}


def test_unsubscribe_works_while_signed_in_as_someone_else(
    client, engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    login_as(client, other_patron)
    assert client.post(link_from(message), csrf=False).status_code == 200
    assert preferences_of(engine, patron) == {"comment": "off"}
    assert preferences_of(engine, other_patron) == {}


def test_tampered_unsubscribe_link_is_not_valid_and_stores_nothing(
    client, engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    bad = tamper(link_from(message))
    assert bad != link_from(message)
    for response in (client.get(bad), client.post(bad, csrf=False)):
        assert response.status_code == 400
        assert "This unsubscribe link is not valid." in response.text
    assert f.count(engine, Preference) == 0


def test_unsubscribe_link_signed_with_another_key_or_made_up_is_not_valid(client, engine, patron):
    forged = unsubscribe.make_token("some-other-secret", patron.id, "comment")
    for token in (forged, "abc", "W10", "WzEsMl0.x"):
        response = client.post(f"/unsubscribe/{token}", csrf=False)
        assert response.status_code == 400
        assert "not valid" in response.text
    assert f.count(engine, Preference) == 0


def test_unsubscribe_link_for_a_missing_person_or_kind_is_404(client, engine, patron):
    for user_id, kind in ((999999, "comment"), (patron.id, "newsletter")):
        token = unsubscribe.make_token(SECRET, user_id, kind)
        assert client.post(f"/unsubscribe/{token}", csrf=False).status_code == 404
    assert f.count(engine, Preference) == 0


def test_digest_unsubscribe_stops_every_kind_of_email(
    client, engine, worker, smtp_server, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        for kind in KINDS:
            s.add(Preference(user_id=patron.id, kind=kind, mode="digest"))
    publish(engine, staff, [idea.id])
    worker.step()
    later = (utcnow() + timedelta(days=1)).replace(hour=worker.digest_hour + 1)
    assert worker.queue_digests(now=later) == 1
    with db.write(engine) as s:  # due now, not at the test's `later`
        s.execute(update(EmailOutbox).values(next_attempt_at=utcnow()))
    worker.send_batch()
    [message] = smtp_server.by_recipient(patron.email)
    token = unsubscribe.make_token(SECRET, patron.id, "digest")
    assert link_from(message) == f"/unsubscribe/{token}"
    assert f"http://testserver/unsubscribe/{token}" in message.get_content()
    page = client.get(f"/unsubscribe/{token}").text
    assert "all notification emails" in page
    assert client.post(f"/unsubscribe/{token}", csrf=False).status_code == 200
    assert preferences_of(engine, patron) == dict.fromkeys(KINDS, "off")


# -- what the token shows ---------------------------------------------------------------------


def decoded(token: str) -> bytes:
    """The token's bytes, read as the base64 it looks like."""
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encodings(user_id: int) -> list[bytes]:
    """The ways a person's number could sit in a token: as text, as JSON, as binary."""
    text = str(user_id).encode()
    found = [text, json.dumps([user_id]).encode()[:-1], f"{user_id:x}".encode()]
    for fmt in (">I", "<I", ">Q", "<Q"):
        found.append(struct.pack(fmt, user_id))
    if user_id < 2**16:
        found += [struct.pack(">H", user_id), struct.pack("<H", user_id)]
    return found


@pytest.mark.parametrize("user_id", [48_213, 65_537, 1_234_567, 987_654_321, 2**31 - 1])
@pytest.mark.parametrize("kind", [*KINDS, "digest"])
def test_unsubscribe_token_does_not_show_whom_it_is_for(user_id, kind):
    token = unsubscribe.make_token(SECRET, user_id, kind)
    for shown in (token.encode(), decoded(token), token.lower().encode()):
        for encoded in encodings(user_id):
            assert encoded not in shown, (token, encoded)
    assert kind.encode() not in decoded(token)
    # Without the key, nothing reads it: not another key, not the signed format of before.
    assert unsubscribe.read_token("another-secret-key", token) is None
    assert URLSafeSerializer(SECRET, salt="unsubscribe-v1").loads_unsafe(token)[0] is False
    assert unsubscribe.read_token(SECRET, token) == (user_id, kind)


def test_unsubscribe_tokens_of_different_people_look_alike(patron, other_patron):
    tokens = {unsubscribe.make_token(SECRET, n, "comment") for n in (1, 2, 1000, 2**31 - 1)}
    assert len(tokens) == 4 and len({len(t) for t in tokens}) == 1


def test_unsubscribe_link_in_an_email_does_not_show_the_persons_number(
    engine, worker, smtp_server, patron, other_patron, category
):
    _idea, message = comment_email(engine, worker, smtp_server, patron, other_patron, category)
    token = link_from(message).removeprefix("/unsubscribe/")
    assert b"comment" not in decoded(token)
    assert json.dumps([patron.id]).encode()[:-1] not in decoded(token)
    assert struct.pack(">Q", patron.id) not in decoded(token)


def variants(token: str) -> list[str]:
    """Every way an attacker might bend a token: one character changed anywhere, cut short,
    lengthened, padded, case changed, pieces of two tokens joined."""
    out = []
    for i in range(len(token)):
        for c in ("A", "B", "-", "_", "0"):
            if token[i] != c:
                out.append(token[:i] + c + token[i + 1 :])
    out += [token[:-1], token[1:], token + "A", token + "=", token + "==", token.swapcase()]
    out += [token[: len(token) // 2], token + token, f"{token}.{token}", " " + token]
    return [v for v in out if v != token]


def test_every_bent_token_is_refused(patron):
    token = unsubscribe.make_token(SECRET, patron.id, "comment")
    other = unsubscribe.make_token(SECRET, patron.id + 1, "status")
    bent = variants(token) + [token[:27] + other[27:], other[:27] + token[27:]]
    assert len(bent) > 200
    for candidate in bent:
        assert unsubscribe.read_token(SECRET, candidate) is None, candidate


def test_bent_unsubscribe_links_store_nothing(client, engine, patron):
    token = unsubscribe.make_token(SECRET, patron.id, "comment")
    for candidate in variants(token)[::17] + ["é" * 40, "x" * 5000, "%00"]:
        response = client.post(f"/unsubscribe/{candidate}", csrf=False)
        assert response.status_code in (400, 404), candidate
    assert f.count(engine, Preference) == 0


def test_a_link_signed_before_tokens_were_sealed_still_works(client, engine, patron):
    """Emails already queued (or in inboxes) carry the old signed link in their text."""
    old = URLSafeSerializer(SECRET, salt="unsubscribe-v1").dumps([patron.id, "comment"])
    assert client.post(f"/unsubscribe/{old}", csrf=False).status_code == 200
    assert preferences_of(engine, patron) == {"comment": "off"}
    forged = URLSafeSerializer("another-secret", salt="unsubscribe-v1").dumps([patron.id, "status"])
    assert client.post(f"/unsubscribe/{forged}", csrf=False).status_code == 400
    assert preferences_of(engine, patron) == {"comment": "off"}
