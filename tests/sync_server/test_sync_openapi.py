"""The API does what its OpenAPI document says: schemathesis against a live server's /openapi.json.

Bounded and derandomized, so the suite stays fast and a failure comes back on the next
run: a few cases per operation (positive and negative), as the bureau administrator
and as a site manager, on SQLite. Every answer must be no 5xx, a documented status, a
documented content type, the documented headers and a body of the documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
import pytest
import schemathesis
from desks import DAY, OTHER_CODE, OTHER_SITE, SITE, SITE_CODE, seed_roster
from hypothesis import HealthCheck, settings
from live_server import BOOT, Admin, ThreadServer
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A live server with two sites, a roster, a desk and a site manager; their tokens."""
    db = tmp_path_factory.mktemp("openapi") / "server.db"
    srv = ThreadServer(f"sqlite:///{db}", auth_cache_seconds=60).start()
    try:
        admin = Admin(srv.url)
        admin.site(SITE_CODE, SITE, institution="2321010010")
        admin.site(OTHER_CODE, OTHER_SITE, institution="2321020020")
        seed_roster(admin, SITE_CODE, range(1, 4))
        admin.desk(SITE_CODE, "A")
        manager = admin.call(
            "POST",
            "/api/v1/accounts",
            json={"name": "主任", "role": "site_manager", "site": SITE_CODE},
        )
        assert manager.status_code == 201, manager.text
        yield {"url": srv.url, "bureau_admin": BOOT, "site_manager": manager.json()["token"]}
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def api(fuzzed: dict[str, str]) -> schemathesis.BaseSchema:
    """The server's own /openapi.json."""
    return schemathesis.openapi.from_url(f"{fuzzed['url']}/openapi.json")


schema = schemathesis.pytest.from_fixture("api")


@pytest.fixture(params=["bureau_admin", "site_manager"])
def token(request: pytest.FixtureRequest, fuzzed: dict[str, str]) -> str:
    return fuzzed[request.param]


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_what_the_openapi_document_says(
    case: schemathesis.Case, token: str
) -> None:
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if path is not None and path.mode.is_positive and "code" in case.path_parameters:
        # A generated site code names no site: 404 or 403 at once, which other tests cover.
        case.path_parameters["code"] = SITE_CODE
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS, timeout=30)
