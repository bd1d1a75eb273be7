"""The hub's HTTP client to the bureau: every call parsed with its wire model."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from vaccination.wire import (
    PROTOCOL,
    PROTOCOL_HEADER,
    DeskReport,
    HubSite,
    PullPage,
    PushReply,
    RuleSetDownload,
    StaffList,
)

API = "/api/v1"
M = TypeVar("M", bound=BaseModel)


class UpstreamError(Exception):
    """The bureau could not be reached, was busy, or refused the hub (with why)."""

    def __init__(self, message_zh: str, message_en: str, refused: bool = False) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.refused = refused  # True: a 4xx, which needs a person (token, site)


class Upstream:
    """The bureau's server as the hub's token sees it."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", PROTOCOL_HEADER: str(PROTOCOL)},
            timeout=timeout,
            transport=transport,
        )

    def __repr__(self) -> str:  # the token stays out of any repr
        return f"Upstream({self.url!r})"

    def _call(self, model: type[M], method: str, path: str, **kwargs: Any) -> M:
        try:
            response = self._http.request(method, f"{API}{path}", **kwargs)
        except httpx.TransportError as exc:
            raise UpstreamError(
                "無法連線到衛生局", f"cannot reach the bureau ({exc.__class__.__name__})"
            ) from None
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise UpstreamError("衛生局伺服器忙碌", f"the bureau answered {response.status_code}")
        if response.status_code >= 400:
            raise UpstreamError(
                f"衛生局拒絕中繼站（{response.status_code}）",
                f"the bureau refused the hub ({response.status_code}): {response.text[:200]}",
                refused=True,
            )
        try:
            return model.model_validate_json(response.content)
        except ValidationError:
            raise UpstreamError("衛生局回應無法解讀", "unreadable reply from the bureau") from None

    def site(self) -> HubSite:
        """The hub's site and its desks (the hub's token names the site)."""
        me = self._call(_Me, "GET", "/me")
        if me.role != "hub" or not me.site:
            raise UpstreamError(
                "此憑證不是中繼站帳號", "this token is not a hub account", refused=True
            )
        return self._call(HubSite, "GET", f"/sites/{me.site}/hub/site")

    def push(
        self, site: str, desk: str, events: list[dict[str, Any]], report: DeskReport | None = None
    ) -> PushReply:
        """Relay one desk's events, unchanged, and its latest report of itself."""
        body: dict[str, Any] = {"events": events}
        if report is not None:
            body["report"] = report.model_dump(mode="json", exclude_none=True)
        return self._call(
            PushReply, "POST", f"/sites/{site}/events", params={"desk": desk}, json=body
        )

    def pull(self, site: str, after: int, limit: int = 1000) -> PullPage:
        """The bureau's log for the site after `after` (every desk's events: `own`)."""
        return self._call(
            PullPage, "GET", f"/sites/{site}/events", params={"after": after, "limit": limit}
        )

    def rule_sets(self, site: str) -> RuleSetDownload:
        """Every rule set version the bureau published."""
        return self._call(RuleSetDownload, "GET", f"/sites/{site}/rule-sets")

    def staff(self, site: str) -> StaffList:
        """The site's staff who may sign in at its desks."""
        return self._call(StaffList, "GET", f"/sites/{site}/staff")

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


class _Me(BaseModel):
    role: str
    site: str | None = None
