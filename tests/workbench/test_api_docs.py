"""The API docs page is drawn from the package's own static files: no CDN, no inline script."""

from __future__ import annotations

import re

import pytest

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.django_db
def test_docs_page_references_only_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    assert "cdn" not in html.lower()
    # the same CSP as every other page: no inline script, scripts from 'self' only
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html
    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    assert settings_json is not None
    assert '"validatorUrl": null' in settings_json.group(1)
    assert '"url": "/api/v1/openapi.json"' in settings_json.group(1)


@pytest.mark.django_db
def test_docs_assets_are_served(client):
    html = client.get("/api/v1/docs").content.decode()
    for asset in ASSET.findall(html):
        if asset.startswith("/static/"):
            response = client.get(asset)
            assert response.status_code == 200, asset
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert len(body) > 100, asset
