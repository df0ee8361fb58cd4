"""The demo's floor plans: three layouts of the group-study floor drawn with Pillow (rooms,
desks, tables, booths, a legend), the same pixels on every run, as PNG bytes."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT, FLOOR = 480, 340, 280  # the plan above FLOOR, the legend below
INK, WALL, WINDOW = (40, 40, 40), (90, 90, 90), (120, 170, 220)
DESK, TABLE, BOOTH, SCREEN, SEAT = (
    (205, 170, 110),
    (170, 120, 70),
    (120, 150, 110),
    (50, 60, 120),
    (230, 230, 230),
)

Box = tuple[int, int, int, int]


def _room(draw: ImageDraw.ImageDraw) -> None:
    """The walls, windows along the top and the door at the bottom left."""
    draw.rectangle((10, 10, WIDTH - 10, FLOOR - 10), outline=WALL, width=4)
    for x in range(40, WIDTH - 60, 90):
        draw.rectangle((x, 7, x + 60, 13), fill=WINDOW)
    draw.rectangle((20, FLOOR - 13, 70, FLOOR - 7), fill=(255, 255, 255))


def _seats(draw: ImageDraw.ImageDraw, box: Box, per_side: int) -> None:
    """Chairs above and below a table."""
    x0, y0, x1, _y1 = box
    step = (x1 - x0) // per_side
    for n in range(per_side):
        cx = x0 + step * n + step // 2
        for cy in (y0 - 9, box[3] + 9):
            draw.ellipse((cx - 6, cy - 6, cx + 6, cy + 6), fill=SEAT, outline=INK)


def _quiet_rows(draw: ImageDraw.ImageDraw) -> None:
    for row in range(4):
        for col in range(8):
            x, y = 40 + col * 52, 45 + row * 55
            draw.rectangle((x, y, x + 36, y + 18), fill=DESK, outline=INK)
            _seats(draw, (x, y, x + 36, y + 18), 1)


def _group_tables(draw: ImageDraw.ImageDraw) -> None:
    for row in range(2):
        for col in range(3):
            x, y = 45 + col * 145, 60 + row * 105
            box = (x, y, x + 100, y + 40)
            draw.rectangle(box, fill=TABLE, outline=INK)
            _seats(draw, box, 3)


def _booths(draw: ImageDraw.ImageDraw) -> None:
    for col in range(5):
        x = 30 + col * 88
        for y, screen_y in ((30, 34), (170, 236)):
            draw.rectangle((x, y, x + 70, y + 76), fill=BOOTH, outline=INK, width=2)
            draw.rectangle((x + 15, screen_y, x + 55, screen_y + 6), fill=SCREEN)
            draw.rectangle((x + 12, y + 28, x + 58, y + 48), fill=TABLE, outline=INK)


LEGEND = (
    (DESK, "Desk"),
    (TABLE, "Table"),
    (SEAT, "Chair"),
    (BOOTH, "Booth"),
    (SCREEN, "Screen"),
    (WINDOW, "Window"),
)
PLANS = {"quiet": _quiet_rows, "tables": _group_tables, "booths": _booths}


def draw(plan: str, title: str) -> bytes:
    """The floor plan `plan` ("quiet", "tables", "booths") titled `title`, as a PNG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    pen = ImageDraw.Draw(image)
    _room(pen)
    PLANS[plan](pen)
    pen.text((14, FLOOR + 4), title, fill=INK)
    for n, (colour, label) in enumerate(LEGEND):
        x = 14 + n * 78
        pen.rectangle((x, FLOOR + 26, x + 14, FLOOR + 40), fill=colour, outline=INK)
        pen.text((x + 20, FLOOR + 28), label, fill=INK)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
