from tests.matrix_types import Case, statuses

CASES = [
    Case("public portal", "/public/", statuses(200)),
    Case("public portal progress data", "/public/progress.json", statuses(200)),
    Case("public portal map data", "/public/map.json", statuses(200)),
    Case("public completed communities", "/public/completed/", statuses(200)),
    # the demo world records no completed delivery: a community's before / after page is 404 for everyone
    Case("public completed community (none)", "/public/completed/999999/", statuses(404)),
]
