"""Where the partial plotly.js bundle lies is a setting (IA_PLOTLY_BUNDLE_FILE): the Docker image keeps it outside
the /app/var volume. The app names and serves the file the setting points to, precompressed where it can."""
from __future__ import annotations

import brotli
import hashlib

from flask import Flask

from dashboard import frontend


def test_the_bundle_is_served_from_the_configured_file(tmp_path, monkeypatch):
    js = b"/* a stand-in bundle */ window.Plotly = {version: 'test'};\n"
    f = tmp_path / "vendor" / "plotly-ia.min.js"
    f.parent.mkdir()
    f.write_bytes(js)
    f.with_name(f.name + ".br").write_bytes(brotli.compress(js))
    monkeypatch.setenv("IA_PLOTLY_BUNDLE_FILE", str(f))
    monkeypatch.setenv("IA_PLOTLY_BUNDLE", "partial")
    assert frontend.partial_file() == f
    url = frontend.partial_url()
    assert url == f"/vendor/plotly-ia.{hashlib.sha256(js).hexdigest()[:12]}.min.js"
    server = Flask(__name__)
    frontend.register(server)
    c = server.test_client()
    r = c.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "br" and brotli.decompress(r.data) == js
    assert "immutable" in r.headers["Cache-Control"]
    r = c.get(url, headers={"Accept-Encoding": "gzip"})          # no .gz copy: the plain file
    assert r.status_code == 200 and "Content-Encoding" not in r.headers and r.data == js
    assert c.get("/vendor/plotly-ia.000000000000.min.js").status_code == 404   # another digest: not this file
    monkeypatch.setenv("IA_PLOTLY_BUNDLE_FILE", str(tmp_path / "missing.js"))
    assert frontend.partial_url() is None                      # not built there: Dash's full bundle
