"""Cost center items: created once, even when Visma answers 5xx to the create (the retry's
look-up must not leave the cache without the item) or 4000 (an earlier attempt stored it)."""

from ornd_visma.posting.directory import Directory
from ornd_visma.visma.client import VismaApiError


class FlakyVisma:
    """Dimension 1 with no items; each create first fails as `failures` say, then stores."""

    def __init__(self, failures: list[str]):
        self.failures = failures
        self.items: list[dict] = []
        self.posts = 0

    def list_all(self, path, params=None):
        assert path == "/costcenters"
        return [{"Id": "cc-1", "Number": 1, "Items": list(self.items)}]

    def post(self, path, body, find_existing=None):
        self.posts += 1
        kind = self.failures.pop(0) if self.failures else "ok"
        if kind == "5xx-nothing-stored":  # the client looks before it retries, then retries
            assert find_existing() is None
        if kind == "stored-then-4000":  # our timed-out first attempt was stored after all
            self.items.append({"Id": "item-early", "ShortName": body["ShortName"]})
            raise VismaApiError(400, 4000, "ShortName must be unique")
        if any(i["ShortName"] == body["ShortName"] for i in self.items):
            raise VismaApiError(400, 4000, "ShortName must be unique")
        self.items.append({"Id": f"item-{len(self.items) + 1}", "ShortName": body["ShortName"]})
        return {"Id": self.items[-1]["Id"]}


def test_a_create_retried_after_a_5xx_is_cached_for_the_next_document():
    visma = FlakyVisma(["5xx-nothing-stored"])
    directory = Directory(visma)
    assert directory.cost_center_item(1, "STH") == "item-1"
    # the second document finds it in the cache: no second POST, no 4000
    assert directory.cost_center_item(1, "STH") == "item-1"
    assert visma.posts == 1 and [i["ShortName"] for i in visma.items] == ["STH"]


def test_a_4000_on_create_takes_the_item_visma_already_has():
    visma = FlakyVisma(["stored-then-4000"])
    directory = Directory(visma)
    assert directory.cost_center_item(1, "GBG") == "item-early"
    assert directory.cost_center_item(1, "GBG") == "item-early"
    assert visma.posts == 1
