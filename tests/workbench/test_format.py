"""Words and numbers: money with separators and 万元, Chinese dates, codes as labels, one language at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from gaizao.ui.i18n import in_language, split_bilingual


def render(source: str, **context: object) -> str:
    return Template("{% load gaizao_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567.891"), "1,234,567.89"),
        (Decimal("0.005"), "0.01"),
        ("2500000", "2,500,000.00"),
        (12, "12.00"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_yuan_to_the_fen_with_separators(value, expected):
    assert render("{{ v|yuan }}", v=value) == expected


def test_wan_yuan_and_counts():
    assert render("{{ v|wan_yuan }}", v=Decimal("12345678.9")) == "1,234.57"
    assert render("{{ v|num }}", v=1234567) == "1,234,567"
    assert render("{{ v|num }}", v=Decimal("1234.50")) == "1,234.5"


def test_dates_in_chinese_and_english():
    moment = datetime(2026, 11, 29, 6, 5, tzinfo=UTC)  # 14:05 in Asia/Shanghai
    with translation.override("zh-hans"):
        assert render("{{ d|zh_date }}", d=date(2026, 3, 7)) == "2026年3月7日"
        assert render('{{ d|zh_date:"time" }}', d=moment) == "2026年11月29日 14:05"
    with translation.override("en"):
        assert render("{{ d|zh_date }}", d=date(2026, 3, 7)) == "7 Mar 2026"


@pytest.mark.django_db
def test_codes_show_their_labels_in_the_active_language():
    with translation.override("zh-hans"):
        assert render("{{ c|label }}", c="sports_fitness") == "体育健身设施"
        assert render('{{ c|label:"Channel" }}', c="door_to_door") == "入户扫楼"
        assert render("{{ c|label }}", c=True) == "是"
        assert render("{{ c|label }}", c=False) == "否"
        # one code, two lists: the list name decides
        assert render('{{ c|label:"BallotStatus" }}', c="open") == "表决中"
        assert render('{{ c|label:"ConsultationState" }}', c="open") == "征求意见中"
        assert (
            render('{{ c|labels:"facility" }}', c=["elderly_day_care", "kindergarten"])
            == "老年人日间照料中心（托老所）、幼儿园"
        )
        assert render("{{ a|action }}", a="ballot_close") == "表决 · 截止"
        assert render("{{ a|action }}", a="project.planning") == "项目 → 谋划一批"
    with translation.override("en"):
        assert render('{{ c|label:"Channel" }}', c="door_to_door") == "door to door"
        assert render("{{ c|label }}", c=False) == "no"
        assert render("{{ a|action }}", a="ballot_close") == "ballot · closed"
    # an unknown code is shown as is; an unknown list name is a template bug and fails loudly
    assert render("{{ c|label }}", c="no_such_code") == "no_such_code"
    with pytest.raises(KeyError):
        render('{{ c|label:"NoSuchList" }}', c="open")


def test_bilingual_messages_split_on_either_separator():
    assert split_bilingual("令牌已撤销。/ Token revoked.") == ("令牌已撤销。", "Token revoked.")
    assert split_bilingual("小区 / community") == ("小区", "community")
    assert split_bilingual("仅中文") == ("仅中文", "仅中文")
    with translation.override("en"):
        assert in_language("投票已记录。请保存回执码。/ Your vote is recorded.") == "Your vote is recorded."


@pytest.mark.django_db
def test_flash_messages_show_only_the_active_language(client, django_user_model):
    from gaizao.accounts.demo import DEMO_PASSWORD, demo_accounts_load
    from gaizao.accounts.models import ApiToken
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    demo_accounts_load()
    assert client.login(username="shangcheng", password=DEMO_PASSWORD)
    client.post("/tokens/", {"name": "t1"})
    token = ApiToken.objects.get(name="t1")
    html = client.post("/tokens/", {"revoke": token.pk}, follow=True).content.decode()
    assert "令牌已撤销。" in html
    assert "Token revoked." not in html


@pytest.mark.django_db
def test_history_rows_read_pairs_counts_and_lists():
    from gaizao.programme.models import Project

    with translation.override("zh-hans"):
        out = render(
            "{% for c in ch|change_rows:obj %}[{{ c.key }}:{% if c.pair %}{{ c.before }}>{{ c.after }}{% else %}{{ c.value }}{% endif %}]{% endfor %}",
            obj=Project(),
            ch={
                "items": 12,
                "state": ["reserve", "planning"],
                "communities": ["HZ1", "HZ2"],
                "open_vote": [None, True],
            },
        )
    assert out == "[items:12][state:储备一批>谋划一批][communities:HZ1、HZ2][open_vote:—>是]"


@pytest.mark.django_db
def test_history_page_of_an_event_with_an_items_key(client, users):
    from django.db import transaction

    from gaizao.audit.history import history_url
    from gaizao.audit.services import audit_record
    from gaizao.registry.models import Community

    community = Community.objects.create(code="WB-H", name="历史小区", division=users["qingbomen"].division)
    with transaction.atomic():
        audit_record(
            actor=users["qingbomen"],
            action="update",
            obj=community,
            changes={"items": 12, "name": ["旧", "新"]},
        )
    client.force_login(users["qingbomen"])
    response = client.get(history_url(community))
    assert response.status_code == 200
    html = response.content.decode()
    assert "12" in html and "旧 → 新" in html and "修改" in html
    # change keys in words, not field names
    assert "<b>改造内容项数</b>" in html and "<b>小区名称</b>" in html


def test_plan_item_origins_and_catalogue_categories_have_labels():
    with translation.override("zh-hans"):
        assert render('{{ c|label:"origin" }}', c="gap+needs") == "缺口与需求"
        assert render('{{ c|label:"category" }}', c="enhance") == "提升类"
    with translation.override("en"):
        assert render('{{ c|label:"origin" }}', c="manual") == "added by hand"
