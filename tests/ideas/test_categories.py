"""Categories at /staff/categories (admins): add (with a slug made from the English name),
rename in both languages, reorder with buttons, archive (gone from the new-idea form and the
filters, kept on its ideas), restore, and delete only when no idea uses it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.core import db
from portal.core.errors import ValidationError
from portal.ideas import categories
from portal.ideas.models import Category, Idea
from portal.moderation.models import AuditEntry
from tests import factories as f
from tests.conftest import login_as


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else ""


def all_categories(engine) -> list[Category]:
    with db.read(engine) as s:
        return list(s.execute(select(Category).order_by(Category.id)).scalars())


def options(page: str, name: str) -> list[str]:
    """The labels a <select> offers, placeholder left out."""
    found = re.search(rf'<select id="{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if not found:
        return []
    return [
        html.unescape(label)
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found[1])
        if value
    ]


def add(client, name: str, name_zh: str = ""):
    return client.post("/staff/categories", {"name": name, "name_zh": name_zh})


def by_name(engine, name: str) -> Category:
    return next(c for c in all_categories(engine) if c.name == name)


def listed(page: str) -> list[str]:
    """The active categories on the admin page, in order."""
    section = page.split('id="active-title"', 1)[1].split("</section>", 1)[0]
    return [html.unescape(n) for n in re.findall(r"<p><strong>([^<]+)</strong>", section)]


# -- adding ----------------------------------------------------------------------------------


def test_admin_adds_a_category_with_a_slug_from_its_english_name(client, engine, admin):
    login_as(client, admin)
    response = add(client, "  Study   spaces ", "学习空间")
    assert response.status_code == 303
    [row] = all_categories(engine)
    assert (row.slug, row.name, row.name_zh, row.archived_at) == (
        "study-spaces",
        "Study spaces",
        "学习空间",
        None,
    )
    assert f.count(engine, AuditEntry, AuditEntry.action == "add_category") == 1
    page = client.get("/staff/categories").text
    assert "The category is added. People can choose it now." in page
    assert listed(page) == ["Study spaces"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café & Bücher", "cafe-bucher"),
        ("学习空间", "category"),
        ("!!!", "category"),
        ("x" * 80, "x" * 56),
    ],
)
def test_slugs_are_plain_and_never_empty(engine, admin, name, slug):
    with db.write(engine) as s:
        assert categories.add(db=s, actor=admin, name=name).slug == slug


def test_slugs_stay_unique_when_names_differ_only_in_punctuation(engine, admin):
    with db.write(engine) as s:
        first = categories.add(db=s, actor=admin, name="Study spaces")
        second = categories.add(db=s, actor=admin, name="Study-spaces!")
        third = categories.add(db=s, actor=admin, name="Study spaces?")
    assert [first.slug, second.slug, third.slug] == [
        "study-spaces",
        "study-spaces-2",
        "study-spaces-3",
    ]


@pytest.mark.parametrize(
    ("name", "name_zh", "field", "message"),
    [
        ("", "空间", "name", "Enter the category's name in English."),
        ("   ", "", "name", "Enter the category's name in English."),
        ("SPACES", "", "name", "There is already a category called “SPACES”."),
        ("Rooms", "空间", "name_zh", "There is already a category called “空间”."),
        ("x" * 81, "", "name", "Use at most 80 characters for the name."),
        ("Rooms", "房" * 81, "name_zh", "Use at most 80 characters for the name."),
        ("Rooms\x00", "", "name", "Remove the invisible control characters"),
    ],
)
def test_bad_category_names_are_named_and_nothing_is_added(
    client, engine, admin, category, name, name_zh, field, message
):
    login_as(client, admin)
    before = all_categories(engine)
    response = add(client, name, name_zh)
    assert response.status_code == 400
    assert message in field_error(response.text, field)
    assert f'<a href="#{field}">' in response.text
    if name.strip() and "\x00" not in name:
        assert f'value="{html.escape(name)}"' in response.text  # the text is kept
    assert len(all_categories(engine)) == len(before)


def test_an_archived_categorys_name_is_taken_too_and_the_page_says_restore_it(
    client, engine, admin, category
):
    with db.write(engine) as s:
        categories.archive(db=s, actor=admin, category_id=category.id)
    login_as(client, admin)
    response = add(client, "spaces")
    assert response.status_code == 400
    assert "An archived category is called “spaces”: restore it instead." in field_error(
        response.text, "name"
    )


# -- renaming --------------------------------------------------------------------------------


def test_admin_renames_a_category_and_its_slug_and_ideas_stay(
    client, engine, admin, patron, category
):
    idea = f.idea(engine, patron, category)
    login_as(client, admin)
    page = client.get(f"/staff/categories/{category.id}")
    assert page.status_code == 200 and 'value="Spaces"' in page.text
    response = client.post(
        f"/staff/categories/{category.id}", {"name": "Study spaces", "name_zh": "学习空间"}
    )
    assert response.status_code == 303
    row = by_name(engine, "Study spaces")
    assert (row.id, row.slug, row.name_zh) == (category.id, "spaces", "学习空间")
    assert f.get(engine, Idea, idea.id).category_id == category.id
    assert 'class="category" href="/ideas?category=spaces">Study spaces<' in (
        client.get(f"/ideas/{idea.id}").text
    )
    chinese = client.get(f"/ideas/{idea.id}", headers={"Accept-Language": "zh-CN"}).text
    assert ">学习空间</a>" in chinese


def test_renaming_to_another_categorys_name_is_refused_and_the_text_kept(
    client, engine, admin, category
):
    digital = by_name(engine, "Digital services")
    login_as(client, admin)
    response = client.post(
        f"/staff/categories/{digital.id}", {"name": " spaces ", "name_zh": "数字"}
    )
    assert response.status_code == 400
    assert "There is already a category called “spaces”." in field_error(response.text, "name")
    assert 'value=" spaces "' in response.text and 'value="数字"' in response.text
    assert by_name(engine, "Digital services").name_zh == "数字服务"


def test_a_category_keeps_its_own_name_when_renamed_in_chinese_only(
    client, engine, admin, category
):
    login_as(client, admin)
    response = client.post(
        f"/staff/categories/{category.id}", {"name": "Spaces", "name_zh": "学习空间"}
    )
    assert response.status_code == 303
    assert by_name(engine, "Spaces").name_zh == "学习空间"


# -- the order ---------------------------------------------------------------------------------


def test_move_buttons_reorder_the_categories_everywhere(client, engine, admin, patron):
    login_as(client, admin)
    for name in ("Spaces", "Collections", "Events"):
        add(client, name)
    events = by_name(engine, "Events")
    response = client.post(f"/staff/categories/{events.id}/move", {"direction": "up"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/categories#category-{events.id}"
    assert listed(client.get("/staff/categories").text) == ["Spaces", "Events", "Collections"]
    client.post(f"/staff/categories/{events.id}/move", {"direction": "up"})
    client.post(f"/staff/categories/{events.id}/move", {"direction": "up"})  # already first
    spaces = by_name(engine, "Spaces")
    client.post(f"/staff/categories/{spaces.id}/move", {"direction": "down"})
    assert listed(client.get("/staff/categories").text) == ["Events", "Collections", "Spaces"]
    login_as(client, patron)
    assert options(client.get("/ideas/new").text, "category_id") == [
        "Events",
        "Collections",
        "Spaces",
    ]
    assert options(client.get("/ideas").text, "category") == ["Events", "Collections", "Spaces"]


def test_the_first_category_has_no_move_up_button_and_the_last_no_move_down(
    client, admin, category
):
    login_as(client, admin)
    page = client.get("/staff/categories").text
    assert page.count('value="up"') == 1 and page.count('value="down"') == 1
    first, last = page.split('id="category-', 2)[1:3]
    assert 'value="down"' in first and 'value="up"' not in first
    assert 'value="up"' in last and 'value="down"' not in last


def test_a_move_in_an_unknown_direction_is_not_found_and_changes_nothing(
    client, engine, admin, category
):
    login_as(client, admin)
    before = [(c.id, c.position) for c in all_categories(engine)]
    response = client.post(f"/staff/categories/{category.id}/move", {"direction": "sideways"})
    assert response.status_code == 404
    assert [(c.id, c.position) for c in all_categories(engine)] == before


# -- archiving and restoring -------------------------------------------------------------------


def test_an_archived_category_leaves_the_form_and_filters_but_stays_on_its_ideas(
    client, engine, admin, patron, category
):
    idea = f.idea(engine, patron, category, title="Quiet corners")
    login_as(client, admin)
    response = client.post(f"/staff/categories/{category.id}/archive", {"action": "archive"})
    assert response.status_code == 303
    assert by_name(engine, "Spaces").archived_at is not None
    assert options(client.get("/ideas/new").text, "category_id") == ["Digital services"]
    assert options(client.get("/ideas").text, "category") == ["Digital services"]
    # Its idea keeps it: on the card, the idea page and in the API.
    card = client.get("/ideas").text.split("Quiet corners", 1)[1].split("</article>", 1)[0]
    assert '<span class="category">Spaces</span>' in card
    assert ">Spaces</a>" in client.get(f"/ideas/{idea.id}").text
    assert client.get(f"/api/v1/ideas/{idea.id}").json()["data"]["category"] == "spaces"
    # The idea page's link to the category still lists its ideas, and names it as chosen.
    filtered = client.get("/ideas?category=spaces").text
    assert "Quiet corners" in filtered
    assert '<option value="spaces" selected>Spaces</option>' in filtered


def test_an_archived_category_cannot_be_chosen_for_a_new_idea(
    client, engine, admin, patron, category
):
    with db.write(engine) as s:
        categories.archive(db=s, actor=admin, category_id=category.id)
    login_as(client, patron)
    response = client.post(
        "/ideas/new", {"title": "Sofas", "body": "Please.", "category_id": str(category.id)}
    )
    assert response.status_code == 400
    assert "Choose a category from the list." in field_error(response.text, "category_id")
    assert f.count(engine, Idea) == 0


def test_an_idea_in_an_archived_category_keeps_it_when_edited(
    client, engine, admin, patron, category
):
    idea = f.idea(engine, patron, category, title="Quiet corners")
    with db.write(engine) as s:
        categories.archive(db=s, actor=admin, category_id=category.id)
    login_as(client, patron)
    form = client.get(f"/ideas/{idea.id}/edit").text
    assert options(form, "category_id") == ["Spaces", "Digital services"]
    assert f'<option value="{category.id}" selected>Spaces</option>' in form
    response = client.post(
        f"/ideas/{idea.id}/edit",
        {"title": "Quiet corners, please", "body": "Two.", "category_id": str(category.id)},
    )
    assert response.status_code == 303
    assert f.get(engine, Idea, idea.id).category_id == category.id


def test_a_restored_category_is_offered_again_at_the_end(client, engine, admin, patron, category):
    login_as(client, admin)
    client.post(f"/staff/categories/{category.id}/archive", {"action": "archive"})
    page = client.get("/staff/categories").text
    assert listed(page) == ["Digital services"]
    assert 'id="archived-title"' in page and "<strong>Spaces</strong>" in page
    client.post(f"/staff/categories/{category.id}/archive", {"action": "restore"})
    assert by_name(engine, "Spaces").archived_at is None
    assert listed(client.get("/staff/categories").text) == ["Digital services", "Spaces"]


# -- deleting ----------------------------------------------------------------------------------


def test_a_category_without_ideas_can_be_deleted(client, engine, admin, category):
    login_as(client, admin)
    page = client.get(f"/staff/categories/{category.id}").text
    assert "Delete category" in page
    response = client.post(f"/staff/categories/{category.id}/delete")
    assert response.status_code == 303
    assert [c.name for c in all_categories(engine)] == ["Digital services"]
    assert f.count(engine, AuditEntry, AuditEntry.action == "delete_category") == 1


def test_a_category_with_ideas_can_only_be_archived(client, engine, admin, patron, category):
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:  # a hidden idea counts too
        s.get(Idea, idea.id).hidden_at = f.utcnow()
    login_as(client, admin)
    page = client.get(f"/staff/categories/{category.id}").text
    assert "Delete category" not in page
    assert "Ideas are filed under this category, so it can only be archived." in page
    response = client.post(f"/staff/categories/{category.id}/delete")
    assert response.status_code == 400
    assert "so it can only be archived" in field_error(response.text, "delete")
    assert '<a href="#delete">' in response.text
    assert len(all_categories(engine)) == 2


def test_the_database_refuses_to_delete_a_category_an_idea_uses(
    engine, admin, patron, category, monkeypatch
):
    """Even when the count said none (an idea filed at the same moment), the foreign key
    stops the delete and the service says why."""
    f.idea(engine, patron, category)
    monkeypatch.setattr(categories.queries, "count", lambda db, category_id=None: 0)
    with db.write(engine) as s, pytest.raises(ValidationError) as refused:
        categories.delete(db=s, actor=admin, category_id=category.id)
    assert "can only be archived" in refused.value.errors["delete"]
    assert len(all_categories(engine)) == 2


def test_a_missing_category_is_not_found(client, admin):
    login_as(client, admin)
    assert client.get("/staff/categories/999999").status_code == 404
    assert client.post("/staff/categories/999999", {"name": "X"}).status_code == 404
    assert client.post("/staff/categories/99999999999/delete").status_code == 404


@pytest.mark.parametrize("role", ["patron", "committee", "staff"])
def test_categories_are_managed_by_admins_only(client, engine, role, category, request):
    login_as(client, request.getfixturevalue(role))
    before = [(c.id, c.name, c.position, c.archived_at) for c in all_categories(engine)]
    assert client.get("/staff/categories").status_code == 403
    assert add(client, "Events").status_code == 403
    for path, data in [
        (f"/staff/categories/{category.id}", {"name": "Renamed"}),
        (f"/staff/categories/{category.id}/move", {"direction": "down"}),
        (f"/staff/categories/{category.id}/archive", {"action": "archive"}),
        (f"/staff/categories/{category.id}/delete", {}),
    ]:
        assert client.post(path, data).status_code == 403, path
    after = [(c.id, c.name, c.position, c.archived_at) for c in all_categories(engine)]
    assert after == before


def test_the_staff_desk_links_admins_to_the_categories(client, admin, staff):
    login_as(client, admin)
    assert 'href="/staff/categories"' in client.get("/staff").text
    login_as(client, staff)
    assert 'href="/staff/categories"' not in client.get("/staff").text


def test_a_category_renamed_in_one_process_is_shown_at_once_by_another(
    client, settings, admin, patron, category
):
    from portal.app import create_app
    from tests.conftest import Client

    idea = f.idea(client.app.state.engine, patron, category, title="Quiet rooms")
    other_app = create_app(settings)  # a second process: its own engine, its own kept rows
    try:
        with Client(other_app, base_url="http://testserver") as other:
            login_as(other, patron)
            for address in ("/ideas", "/", f"/ideas/{idea.id}/edit"):
                assert "Spaces" in other.get(address).text  # read and kept
            login_as(client, admin)
            client.post(f"/staff/categories/{category.id}", {"name": "Study rooms", "name_zh": ""})
            for address in ("/ideas", "/", f"/ideas/{idea.id}/edit"):
                page = other.get(address).text
                assert "Study rooms" in page and ">Spaces<" not in page, address
            offered = '<option value="spaces">Study rooms</option>'
            assert offered in other.get("/ideas").text
            client.post(f"/staff/categories/{category.id}/archive")
            assert offered not in other.get("/ideas").text  # the filter offers it no more
    finally:
        other_app.state.engine.dispose()


def test_a_write_reading_shown_categories_never_leaves_its_own_rows_kept(engine, category):
    from portal.ideas import queries

    with db.read(engine) as s:
        assert [c.name for c in queries.shown_categories(s)] == ["Spaces", "Digital services"]
    with pytest.raises(RuntimeError), db.write(engine) as s:
        s.get(Category, category.id).name = "Never saved"  # type: ignore[union-attr]
        s.flush()
        assert "Never saved" in [c.name for c in queries.shown_categories(s)]
        raise RuntimeError("rolled back")
    with db.read(engine) as s:
        assert [c.name for c in queries.shown_categories(s)] == ["Spaces", "Digital services"]
