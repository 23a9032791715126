import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaizao.web.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules and settings) lives as long as the process: move it out
# of the collector's generations so a full collection, which a page with a large answer (a map's GeoJSON) sets off,
# walks only the request's own objects. At 220,000 communities this took such pages' worst of 30 requests from
# 291 to 108 ms (docs/registry.md). The standard library's advice for forking servers (gc.freeze).
gc.collect()
gc.freeze()
