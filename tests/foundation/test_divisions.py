from __future__ import annotations

import pytest

from gaizao.divisions.models import Division, DivisionLevel
from gaizao.divisions.selectors import divisions_within, find_division
from gaizao.divisions.services import WEST_LAKE_SCENIC_AREA_CODE, divisions_load_hangzhou


@pytest.mark.django_db
def test_load_builds_the_whole_tree_once(divisions):
    # given the bundled national codes, when loaded twice
    again = divisions_load_hangzhou()
    # then nothing is duplicated and every level has the published counts
    assert again == {"districts": 14, "streets": 196, "communities": 3320}
    assert Division.objects.filter(level=DivisionLevel.DISTRICT).count() == 14
    assert Division.objects.filter(level=DivisionLevel.STREET).count() == 196
    assert Division.objects.filter(level=DivisionLevel.COMMUNITY).count() == 3320
    assert Division.objects.filter(level=DivisionLevel.CITY).count() == 1


@pytest.mark.django_db
def test_paths_nest_and_boundaries_are_wgs84(divisions):
    qingbo = Division.objects.get(code="330102001")
    assert qingbo.path == "330100/330102/330102001"
    assert qingbo.district.name == "上城区"
    shangcheng = Division.objects.get(code="330102")
    assert shangcheng.boundary["type"] == "MultiPolygon"
    assert 119.0 < shangcheng.center_lon < 121.0 and 29.0 < shangcheng.center_lat < 31.0
    assert shangcheng.contains(qingbo) and not qingbo.contains(shangcheng)
    assert not Division.objects.get(code="330106").contains(qingbo)
    assert divisions_within(shangcheng.path).filter(level=DivisionLevel.STREET).count() > 5


@pytest.mark.django_db
def test_west_lake_scenic_area_has_an_internal_code(divisions):
    area = Division.objects.get(code=WEST_LAKE_SCENIC_AREA_CODE)
    assert area.name == "西湖风景名胜区" and not area.has_official_code
    assert area.level == DivisionLevel.DISTRICT


@pytest.mark.django_db
def test_find_division_by_code_or_name(divisions):
    assert find_division("330106").name == "西湖区"
    assert find_division("西湖区", level=DivisionLevel.DISTRICT).code == "330106"
    shangcheng = Division.objects.get(code="330102")
    assert find_division("清波街道", within=shangcheng).code == "330102001"
    assert find_division("清波街道", within=Division.objects.get(code="330106")) is None
    assert find_division("不存在区") is None
