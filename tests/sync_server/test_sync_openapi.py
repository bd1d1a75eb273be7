"""The API does what its OpenAPI document says: schemathesis against a live server's /openapi.json.

Bounded and derandomized, so the suite stays fast and a failure comes back on the next
run: a few cases per operation, positive and negative, each sent as the bureau
administrator and as a site manager, on SQLite. Every answer must be no 5xx, a documented status, a
documented content type, the documented headers and a body of the documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from desks import OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, seed_roster
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from live_server import BOOT, Admin, ThreadServer, auth
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 4  # per operation and mode, each sent as two accounts: about 300 requests
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@dataclass(frozen=True)
class Fuzzed:
    """A live server with two sites, a roster, a desk, a site manager and a spare account."""

    url: str
    tokens: tuple[str, ...]  # the bureau administrator's, the site manager's
    spare_account: int  # renewed and disabled by the fuzzed cases, so no token in use is


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    db = tmp_path_factory.mktemp("openapi") / "server.db"
    srv = ThreadServer(f"sqlite:///{db}", auth_cache_seconds=0).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE, institution="2321010010")
        admin.site(OTHER_CODE, OTHER_SITE, institution="2321020020")
        seed_roster(admin, SITE_CODE, range(1, 4))
        admin.desk(SITE_CODE, "A")
        spare = admin.call("POST", f"/api/v1/sites/{SITE_CODE}/desks", json={"desk": "Z"})
        manager = admin.call(
            "POST",
            "/api/v1/accounts",
            json={"name": "主任", "role": "site_manager", "site": SITE_CODE},
        )
        assert manager.status_code == spare.status_code == 201, (manager.text, spare.text)
        yield Fuzzed(srv.url, (BOOT, manager.json()["token"]), spare.json()["id"])
    finally:
        srv.stop()


# Positive cases address what exists: a generated site code or account number names
# nothing, and would only be answered 404 or 403 at once (tested on their own).
def _existing(fuzzed: Fuzzed) -> dict[str, object]:
    return {"code": SITE_CODE, "account_id": fuzzed.spare_account}


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, fuzzed: Fuzzed) -> int:
    """Send an operation's generated cases (each once per token); the number of requests."""
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case: schemathesis.Case) -> None:
        nonlocal sent
        if mode.is_positive and case.path_parameters:
            existing = _existing(fuzzed)
            case.path_parameters = {k: existing.get(k, v) for k, v in case.path_parameters.items()}
        for token in fuzzed.tokens:
            case.call_and_validate(headers=auth(token), checks=CHECKS, timeout=30)
            sent += 1

    try:
        answers_as_documented()
    except Unsatisfiable:
        assert mode.is_negative, operation.label  # nothing to break: no parameter, no body
    return sent


@pytest.mark.slow
def test_every_answer_is_what_the_openapi_document_says(fuzzed: Fuzzed) -> None:
    api = schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 18
    sent = sum(_fuzz(op, mode, fuzzed) for op in operations for mode in GenerationMode)
    assert sent >= 200  # every operation was tried, within the suite's budget
