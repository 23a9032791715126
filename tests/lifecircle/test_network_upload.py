"""Road-network uploads through real multipart requests (page and API): the request only stores the file and
queues a job; the job reads it in a memory-capped child process, registers the network and removes the upload."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gaizao.jobs.models import Job, JobStatus
from gaizao.lifecircle.models import RoadNetwork
from tests.lifecircle.conftest import tiny_geojson

pytestmark = pytest.mark.django_db

API = "/api/v1/lifecircle/networks"
PAGE = "/lifecircle/networks/"


@pytest.fixture
def no_parse_here(monkeypatch):
    """Every way of building a network in this process fails the test: the parse must happen in the child."""
    import gaizao.spatial
    from gaizao.lifecircle import engine, parsing

    def refuse(*args, **kwargs):
        raise AssertionError("a network was parsed in the web process")

    monkeypatch.setattr(gaizao.spatial, "load_network", refuse)
    monkeypatch.setattr(engine, "load_spatial_network", refuse)
    monkeypatch.setattr(parsing, "parse_network", refuse)


def _post(client, url, data, capture):
    """POST a multipart upload; the job it queues on commit runs at once, as the worker would."""
    with capture(execute=True):
        return client.post(url, data)


def _geojson(name="roads.geojson", payload=None) -> SimpleUploadedFile:
    body = json.dumps(tiny_geojson() if payload is None else payload).encode()
    return SimpleUploadedFile(name, body, content_type="application/geo+json")


def _uploads(data_dir):
    return list((data_dir / "lifecircle" / "uploads").glob("*"))


def _big_network() -> bytes:
    """A 5 MB GeoJSON grid of 40,000 segments: reading it needs far more than 8 MB."""
    features = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "LineString",
                "coordinates": [[120 + i * 1e-4, 30 + j * 1e-4], [120 + (i + 1) * 1e-4, 30 + j * 1e-4]],
            },
        }
        for i in range(2000)
        for j in range(20)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_api_answers_202_and_the_job_registers_the_network(
    client, world, data_dir, no_parse_here, django_capture_on_commit_callbacks
):
    client.force_login(world["accounts"]["shangcheng"])
    response = _post(
        client, API, {"name": "上城区步行网", "file": _geojson()}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202, response.content
    body = response.json()
    job = Job.objects.get(pk=body["job_id"])
    assert body["job_url"] == f"/api/v1/jobs/{job.pk}" and body["page_url"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED, job.error
    progress = client.get(body["job_url"]).json()
    network = RoadNetwork.objects.get(pk=progress["result"]["network"])
    assert (network.name, network.division.code, network.file_format) == ("上城区步行网", "330102", "GeoJSON")
    assert (network.node_count, network.edge_count, network.component_count) == (6, 5, 1)
    assert (data_dir / network.file_path).exists() and _uploads(data_dir) == []
    listed = client.get(API).json()
    assert {n["name"] for n in listed} == {"tiny / tiny", "上城区步行网"}
    # 西湖区 does not see 上城区's network
    client.force_login(world["accounts"]["xihu"])
    assert [n["name"] for n in client.get(API).json()] == ["tiny / tiny"]


def test_page_redirects_to_the_job_which_shows_the_network(
    client, world, data_dir, no_parse_here, django_capture_on_commit_callbacks
):
    client.force_login(world["accounts"]["shangcheng"])
    response = _post(
        client, PAGE, {"name": "步行网", "file": _geojson("walk.geojson")}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "6 个节点" in page and "6 nodes" in page and 'href="/lifecircle/networks/"' in page
    assert "步行网" in client.get(PAGE).content.decode()
    assert _uploads(data_dir) == []


def test_api_accepts_a_zipped_shapefile(
    client, world, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    import pyogrio
    import shapely

    folder = tmp_path / "shp"
    folder.mkdir()
    lines = shapely.from_geojson([json.dumps(f["geometry"]) for f in tiny_geojson()["features"]])
    pyogrio.raw.write(
        str(folder / "roads.shp"),
        shapely.to_wkb(lines),
        [],
        [],
        geometry_type="LineString",
        crs="EPSG:4326",
        driver="ESRI Shapefile",
    )
    archive = tmp_path / "roads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    client.force_login(world["accounts"]["xihu"])
    upload = SimpleUploadedFile("roads.zip", archive.read_bytes(), content_type="application/zip")
    response = _post(client, API, {"name": "西湖区 SHP", "file": upload}, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    network = RoadNetwork.objects.get(name="西湖区 SHP")
    assert network.file_format == "Shapefile (zip)"
    assert (network.node_count, network.component_count) == (6, 1)


@pytest.mark.parametrize(
    ("url", "content", "expected"),
    [
        (API, b"{broken", "cannot be read"),
        (PAGE, json.dumps({"type": "FeatureCollection", "features": []}).encode(), "no features"),
    ],
)
def test_a_bad_file_fails_its_job_with_a_bilingual_message(
    client, world, data_dir, django_capture_on_commit_callbacks, url, content, expected
):
    client.force_login(world["accounts"]["shangcheng"])
    upload = SimpleUploadedFile("roads.geojson", content)
    response = _post(client, url, {"name": "坏", "file": upload}, django_capture_on_commit_callbacks)
    assert response.status_code in {202, 302}
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("路网或点位数据无法使用。/ ") and expected in job.error
    assert "'roads.geojson'" in job.error and str(data_dir) not in job.error  # the user's name, not the path
    assert RoadNetwork.objects.count() == 1 and _uploads(data_dir) == []
    assert not list((data_dir / "lifecircle" / "networks").glob("*"))
    if url == API:
        assert client.get(f"/api/v1/jobs/{job.pk}").json()["error"] == job.error
    else:
        assert expected in client.get(response["Location"]).content.decode()


def test_a_file_of_the_wrong_kind_is_refused_by_the_request(client, world, data_dir):
    client.force_login(world["accounts"]["shangcheng"])
    for url in (API, PAGE):
        response = client.post(url, {"name": "x", "file": SimpleUploadedFile("x.shp", b"0")})
        assert response.status_code == 400
        assert "zip" in response.content.decode()
    assert not Job.objects.exists() and _uploads(data_dir) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(client, world, data_dir, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "import_geo": 100}
    client.force_login(world["accounts"]["shangcheng"])
    response = client.post(API, {"name": "x", "file": _geojson()})
    assert response.status_code == 400 and "larger than the limit" in response.json()["message"]
    assert not Job.objects.exists() and _uploads(data_dir) == []


@pytest.mark.parametrize("url", [API, PAGE])
def test_a_parse_over_the_memory_limit_fails_the_job(
    client, world, data_dir, settings, django_capture_on_commit_callbacks, url
):
    """The child's address space is capped at UPLOAD_PARSE_MEMORY above its start: a network that needs more
    fails its job with a message saying so; nothing is registered and the upload is gone."""
    settings.UPLOAD_PARSE_MEMORY = 8 * 1024 * 1024
    client.force_login(world["accounts"]["shangcheng"])
    upload = SimpleUploadedFile("big.geojson", _big_network())
    response = _post(client, url, {"name": "大", "file": upload}, django_capture_on_commit_callbacks)
    assert response.status_code in {202, 302}
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "所需内存超过上限 8 MB" in job.error and "needed more than the 8 MB" in job.error
    assert RoadNetwork.objects.count() == 1 and _uploads(data_dir) == []


def test_readers_may_not_upload(client, world, data_dir):
    client.force_login(world["accounts"]["ndrc"])
    assert client.post(PAGE, {"name": "x", "file": _geojson()}).status_code == 403
    assert client.post(API, {"name": "x", "file": _geojson()}).status_code == 403
    assert not Job.objects.exists() and _uploads(data_dir) == []
