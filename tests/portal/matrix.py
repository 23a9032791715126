from tests.matrix_types import Case, statuses

CASES = [
    Case("public portal", "/public/", statuses(200)),
    Case("public portal progress data", "/public/progress.json", statuses(200)),
]
