"""The district officer's to-do "会商待部门答复" (issue 16): open consultations in its scope that still wait for
departments, linking to the consultation page where the 提醒 buttons are — on the programme demo, whose 清波新村
consultation waits for water, gas and 民政."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gaizao.accounts.models import User
from gaizao.programme.models import Consultation

pytestmark = pytest.mark.django_db

KEY = "programme.consultations_waiting_departments"
TODO = re.compile(r'data-todo="([^"]+)" data-count="(\d+)"')


def home(username: str) -> tuple[Client, str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get("/")
    assert response.status_code == 200
    return client, response.content.decode()


def counts(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in TODO.findall(html)}


def waiting_in(district_code: str) -> int:
    return (
        Consultation.objects.filter(
            state="open", project__district__code=district_code, opinions__decision="pending"
        )
        .distinct()
        .count()
    )


def test_district_officer_sees_consultations_waiting_for_departments(demo_world):
    qingbo = Consultation.objects.get(
        project__is_sample=True, project__communities__name__contains="清波新村", state="open"
    )
    pending = set(qingbo.opinions.filter(decision="pending").values_list("department", flat=True))
    assert pending == {"water", "gas", "civil_affairs"}
    # the 上城区 officer's workbench counts the open consultations of its district still waiting
    client, html = home("shangcheng")
    assert counts(html)[KEY] == waiting_in("330102") >= 1
    assert "会商待部门答复" in html
    # it links to the 清波新村 consultation and names the departments that have not answered
    link = f'href="/programme/consultations/{qingbo.pk}/"'
    assert link in html
    card = html[html.index(f'data-todo="{KEY}"') :]
    card = card[: card.index("</article>")]
    item = card[card.index(link) :]
    hint = re.search(r'<span class="hint">未答复：([^<]*)</span>', item[: item.index("</li>")])
    assert hint is not None and set(hint.group(1).split("、")) == {"水", "气", "民政"}
    # the linked page carries the 提醒 buttons for exactly those departments
    page = client.get(f"/programme/consultations/{qingbo.pk}/").content.decode()
    assert set(re.findall(r'class="remind" data-department="([^"]+)"', page)) == pending

    # another district's officer does not count it; a department or a community account has no such to-do
    _, other = home("xihu")
    assert counts(other)[KEY] == waiting_in("330106") and link not in other
    _, water = home("water")
    assert KEY not in counts(water)
    _, community = home("qingbomen")
    assert KEY not in counts(community)

    # once every department has answered from its own account, the consultation leaves the to-do
    from gaizao.programme.demo import answer_consultation

    before = counts(html)[KEY]
    answer_consultation(qingbo)
    _, after = home("shangcheng")
    after_card = after[after.index(f'data-todo="{KEY}"') :]
    assert counts(after)[KEY] == before - 1 and link not in after_card[: after_card.index("</article>")]
