"""iCalendar files built with the icalendar library: one session, or a feed of upcoming ones.

Times are written in the session's own time zone (with its VTIMEZONE), so calendar apps
show them right wherever the reader is. Online links appear only in files made for people
who may see them."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from portal.core.clock import aware, utcnow
from portal.web.urls import path_for
from portal.workshops.models import Workshop


def _event(w: Workshop, base_url: str, show_link: bool) -> Event:
    zone = ZoneInfo(w.timezone)
    event = Event()
    event.add("uid", f"session-{w.id}@{base_url.split('://')[-1]}")
    event.add("summary", w.title)
    event.add("dtstart", aware(w.starts_at).astimezone(zone))
    event.add("dtend", aware(w.ends_at).astimezone(zone))
    event.add("dtstamp", utcnow().astimezone(UTC))
    address = base_url + path_for("workshops:detail", id=w.id)
    event.add("url", address)
    location = w.place or ("Online" if w.online_link else "")
    if show_link and w.online_link:
        location = f"{w.place} ({w.online_link})" if w.place else w.online_link
    if location:
        event.add("location", location)
    description = w.description[:2000]
    event.add("description", f"{description}\n\n{address}".strip())
    event.add("status", "CANCELLED" if w.cancelled_at else "CONFIRMED")
    return event


def calendar(
    workshops: list[Workshop], base_url: str, name: str, show_links: set[int] | None = None
) -> bytes:
    """An .ics file of these sessions."""
    cal = Calendar()
    cal.add("prodid", "-//Library co-design portal//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for w in workshops:
        cal.add_component(_event(w, base_url, w.id in (show_links or set())))
    cal.add_missing_timezones()
    return cal.to_ical()
